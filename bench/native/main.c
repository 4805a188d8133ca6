/* Command line and output of the C floor; see floor.c for what is measured. */
#define _GNU_SOURCE
#include "floor.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char usage[] =
    "usage: floor [--dir DIR] [--json] [--cycles N] [--trials N] [--hold-ms MIN-MAX] [--seed N]\n"
    "       floor --peer [--cycle lock|delete|baton] [--record-bytes N] [--dir DIR] HARNESS-OPTIONS...\n"
    "  standalone: measures lock (F_OFD_SETLK+unlock), delete (the delete-on-release cycle),\n"
    "  baton (Baton's own system calls per cycle, see baton_cycle.c),\n"
    "  handoff_lock and handoff_delete (a blocked process woken by the release), one line each.\n"
    "  --peer: the bench/Baton.SideBySide process-peer protocol (JSON on stdout).\n"
    "  DIR defaults to a fresh directory under $TMPDIR (or /tmp), removed at the end.\n";

static void parse(struct options *o, int argc, char **argv)
{
    *o = (struct options){ .protocol = PROTO_DELETE, .name = "floor.lock", .measures = "uncontended,contended,handoff",
                           .record_bytes = 160, .cycles = 2000, .warmup_cycles = 1000, .warmup_ms = 500, .workers = 4, .trials = 30,
                           .hold_min_ms = 50, .hold_max_ms = 150, .seed = 1, .seconds = 5, .wait_seconds = 5 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES(opt) (strcmp(a, opt) == 0 && v && ++i)
        if (strcmp(a, "--json") == 0) o->json = 1;
        else if (strcmp(a, "--peer") == 0) o->peer = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { fputs(usage, stdout); exit(0); }
        else if (TAKES("--cycle")) o->protocol = strcmp(v, "lock") == 0 ? PROTO_LOCK : strcmp(v, "baton") == 0 ? PROTO_BATON : PROTO_DELETE;
        else if (TAKES("--record-bytes")) o->record_bytes = atoi(v);
        else if (TAKES("--dir")) o->dir = v;
        else if (TAKES("--name")) o->name = v;
        else if (TAKES("--measures")) o->measures = v;
        else if (TAKES("--cycles")) o->cycles = atoi(v);
        else if (TAKES("--warmup-cycles")) o->warmup_cycles = atoi(v);
        else if (TAKES("--warmup-ms")) o->warmup_ms = atoi(v);
        else if (TAKES("--workers")) o->workers = atoi(v);
        else if (TAKES("--trials")) o->trials = atoi(v);
        else if (TAKES("--seed")) o->seed = (unsigned)atoi(v);
        else if (TAKES("--seconds")) o->seconds = atof(v);
        else if (TAKES("--wait-seconds")) o->wait_seconds = atof(v);
        else if (TAKES("--hold-ms")) { if (sscanf(v, "%d-%d", &o->hold_min_ms, &o->hold_max_ms) != 2) o->hold_max_ms = o->hold_min_ms; }
        else if (strncmp(a, "--", 2) == 0) { if (v && strncmp(v, "--", 2) != 0) i++; } /* a newer harness's option */
        else { fputs(usage, stderr); exit(2); }
#undef TAKES
    }
    if (o->record_bytes < 1 || o->record_bytes > 4096 || o->cycles < 1 || o->trials < 1 || o->workers < 1 || o->hold_max_ms < o->hold_min_ms) { fputs(usage, stderr); exit(2); }
}

static const char *fs_name(int dirfd)
{
    struct statfs s;
    if (fstatfs(dirfd, &s) != 0) return "?";
    switch ((unsigned long)s.f_type) {
    case 0x01021994: return "tmpfs";
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794c7630: return "overlayfs";
    default: return "other";
    }
}

static int has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return 1;
    return 0;
}

static void line(const struct options *o, const char *label, const char *unit, const double *s, int n, int first)
{
    double min = s[0], sum = 0;
    for (int i = 0; i < n; i++) { sum += s[i]; if (s[i] < min) min = s[i]; }
    if (o->json)
        printf("%s\"%s\": {\"n\": %d, \"median_%s\": %.4f, \"p99_%s\": %.4f, \"mean_%s\": %.4f, \"min_%s\": %.4f}",
               first ? "" : ", ", label, n, unit, percentile(s, n, 50), unit, percentile(s, n, 99), unit, sum / n, unit, min);
    else
        printf("%s n=%d median_%s=%.4f p99_%s=%.4f mean_%s=%.4f min_%s=%.4f\n",
               label, n, unit, percentile(s, n, 50), unit, percentile(s, n, 99), unit, sum / n, unit, min);
    fflush(stdout);
}

static void standalone(struct options *o, int dirfd)
{
    if (o->json) printf("{\"dir\": \"%s\", \"fs\": \"%s\", ", o->dir, fs_name(dirfd));
    else printf("floor dir=%s fs=%s clock=CLOCK_MONOTONIC\n", o->dir, fs_name(dirfd));
    o->protocol = PROTO_LOCK;
    double *s = measure_uncontended(o, dirfd, o->cycles);
    line(o, "lock", "us", s, o->cycles, 1);
    free(s);
    unlinkat(dirfd, o->name, 0);
    o->protocol = PROTO_DELETE;
    s = measure_uncontended(o, dirfd, o->cycles);
    line(o, "delete", "us", s, o->cycles, 0);
    free(s);
    o->protocol = PROTO_BATON;
    s = measure_uncontended(o, dirfd, o->cycles);
    line(o, "baton", "us", s, o->cycles, 0);
    free(s);
    o->protocol = PROTO_LOCK;
    s = measure_handoff(o, dirfd);
    line(o, "handoff_lock", "ms", s, o->trials, 0);
    free(s);
    unlinkat(dirfd, o->name, 0);
    o->protocol = PROTO_DELETE;
    s = measure_handoff(o, dirfd);
    line(o, "handoff_delete", "ms", s, o->trials, 0);
    free(s);
    if (o->json) printf("}\n");
}

static void peer(const struct options *o, int dirfd)
{
    static const char *const labels[] = { "C floor (lock)", "C floor (delete-on-release)", "C (same calls as Baton)" };
    static const char *const notes[] = { "F_OFD_SETLK(W) on one open fd", "open+lock+fstat+fstatat+unlink+close",
                                         "open+lock(main,gate)+unlock(gate)+statx+statx+pwrite+probe+unlink+close" };
    printf("{\"subject\": \"%s\", \"notes\": \"bench/native, %s, %s\"", labels[o->protocol], notes[o->protocol], fs_name(dirfd));
    if (has(o->measures, "uncontended")) {
        double *s = measure_uncontended(o, dirfd, o->cycles);
        printf(", \"uncontended\": {\"samples_us\": ");
        print_json_array(s, o->cycles);
        printf("}");
        free(s);
    }
    if (has(o->measures, "contended")) {
        long *c = measure_contended(o, dirfd);
        printf(", \"contended\": {\"seconds\": %g, \"placement\": \"processes\", \"per_worker\": [", o->seconds);
        for (int w = 0; w < o->workers; w++) printf(w ? ", %ld" : "%ld", c[w]);
        printf("]}");
        free(c);
    }
    if (has(o->measures, "handoff")) {
        double *s = measure_handoff(o, dirfd);
        printf(", \"handoff\": {\"placement\": \"cross-process\", \"samples_ms\": ");
        print_json_array(s, o->trials);
        printf("}");
        free(s);
    }
    if (has(o->measures, "waiting"))
        printf(", \"waiting\": {\"placement\": \"cross-process\", \"seconds\": %g, \"cpu_seconds\": %.4f}",
               o->wait_seconds, measure_waiting_cpu(o, dirfd));
    printf("}\n");
}

int main(int argc, char **argv)
{
    struct options o;
    parse(&o, argc, argv);
    char temp[4096] = "";
    if (!o.dir) {
        const char *base = getenv("TMPDIR");
        snprintf(temp, sizeof temp, "%s/baton-floor-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(temp)) die("mkdtemp");
        o.dir = temp;
    }
    int dirfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) die(o.dir);
    if (o.peer) peer(&o, dirfd);
    else standalone(&o, dirfd);
    unlinkat(dirfd, o.name, 0);
    close(dirfd);
    if (*temp) rmdir(temp);
    return 0;
}
