/* The four measures of the C floor: uncontended, contended (processes), handoff, waiting CPU. */
#define _GNU_SOURCE
#include "floor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sleep_ms(double ms)
{
    struct timespec t = { (time_t)(ms / 1000), (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };
    while (nanosleep(&t, &t) != 0) {
    }
}

static void *shared(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    memset(p, 0, bytes);
    return p;
}

static void put_byte(int fd) { if (write(fd, "x", 1) != 1) die("pipe write"); }

static void get_byte(int fd) { char b; if (read(fd, &b, 1) != 1) die("pipe read"); }

static void reap(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor: child %d failed\n", (int)pid);
        exit(1);
    }
}

/* One client, acquire+release of a free lock: warm-up, then n cycles timed one by one (µs). */
double *measure_uncontended(const struct options *o, int dirfd, int n)
{
    struct client c;
    client_open(&c, o, dirfd);
    int64_t warm_until = now_ns() + (int64_t)o->warmup_ms * 1000000;
    for (int i = 0; i < o->warmup_cycles || now_ns() < warm_until; i++) {
        client_acquire(&c, 0);
        client_release(&c);
    }
    double *samples = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) {
        int64_t started = now_ns();
        client_acquire(&c, 0);
        client_release(&c);
        samples[i] = (double)(now_ns() - started) / 1e3;
    }
    client_close(&c);
    return samples;
}

/* o->workers processes on one name for o->seconds, blocking acquires; per-process counts. */
long *measure_contended(const struct options *o, int dirfd)
{
    long *counts = shared(sizeof(long) * (size_t)o->workers);
    int64_t *deadline = shared(sizeof(int64_t));
    int go[2];
    if (pipe(go) != 0)
        die("pipe");
    pid_t *pids = malloc(sizeof(pid_t) * (size_t)o->workers);
    for (int w = 0; w < o->workers; w++) {
        pids[w] = fork();
        if (pids[w] < 0)
            die("fork");
        if (pids[w] == 0) {
            struct client c;
            client_open(&c, o, dirfd); /* its own open file description */
            get_byte(go[0]);
            int64_t stop_at = *deadline;
            long n = 0;
            for (;;) { /* nothing inside the hold; a cycle counts if it ended before the deadline */
                client_acquire(&c, 1);
                client_release(&c);
                if (now_ns() >= stop_at)
                    break;
                n++;
            }
            counts[w] = n;
            _exit(0);
        }
    }
    *deadline = now_ns() + (int64_t)(o->seconds * 1e9);
    for (int w = 0; w < o->workers; w++)
        put_byte(go[1]);
    for (int w = 0; w < o->workers; w++)
        reap(pids[w]);
    close(go[0]);
    close(go[1]);
    free(pids);
    long *result = malloc(sizeof(long) * (size_t)o->workers);
    memcpy(result, counts, sizeof(long) * (size_t)o->workers);
    munmap(counts, sizeof(long) * (size_t)o->workers);
    munmap(deadline, sizeof(int64_t));
    return result;
}

/* A waiter process, driven by a pipe: each byte received = one blocking acquire, whose return
 * time goes to *acquired_at; it then releases and answers with one byte. */
struct waiter {
    pid_t pid;
    int to_waiter, from_waiter;
    volatile int64_t *acquired_at;
};

static struct waiter start_waiter(const struct options *o, int dirfd)
{
    struct waiter w;
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0)
        die("pipe");
    w.acquired_at = shared(sizeof(int64_t));
    w.pid = fork();
    if (w.pid < 0)
        die("fork");
    if (w.pid == 0) {
        close(down[1]);
        close(up[0]);
        struct client c;
        client_open(&c, o, dirfd);
        char b;
        while (read(down[0], &b, 1) == 1) {
            client_acquire(&c, 1);
            *w.acquired_at = now_ns();
            client_release(&c);
            put_byte(up[1]);
        }
        client_close(&c);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    w.to_waiter = down[1];
    w.from_waiter = up[0];
    return w;
}

static void stop_waiter(struct waiter *w)
{
    close(w->to_waiter);
    reap(w->pid);
    close(w->from_waiter);
    munmap((void *)w->acquired_at, sizeof(int64_t));
}

/* One trial: hold, let the waiter block, release after hold_ms; returns release-to-acquire in ms. */
static double handoff_trial(struct client *holder, struct waiter *w, double hold_ms)
{
    client_acquire(holder, 1);
    *w->acquired_at = 0;
    put_byte(w->to_waiter);
    sleep_ms(hold_ms);
    if (*w->acquired_at != 0) {
        fprintf(stderr, "floor: the waiter acquired while the holder held the lock\n");
        exit(1);
    }
    int64_t released = now_ns();
    client_release(holder);
    get_byte(w->from_waiter);
    return (double)(*w->acquired_at - released) / 1e6;
}

double *measure_handoff(const struct options *o, int dirfd)
{
    struct client holder;
    client_open(&holder, o, dirfd);
    struct waiter w = start_waiter(o, dirfd);
    for (int i = 0; i < 20; i++) /* untimed: page in both processes' paths */
        handoff_trial(&holder, &w, 1);
    srand(o->seed);
    double *samples = malloc(sizeof(double) * (size_t)o->trials);
    for (int i = 0; i < o->trials; i++) {
        int hold = o->hold_min_ms + rand() % (o->hold_max_ms - o->hold_min_ms + 1);
        samples[i] = handoff_trial(&holder, &w, hold);
    }
    stop_waiter(&w);
    client_close(&holder);
    return samples;
}

/* utime + stime of a process, in clock ticks, from /proc/PID/stat (fields 14 and 15). */
static long cpu_ticks(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f))
        die("read /proc/PID/stat");
    fclose(f);
    char *p = strrchr(line, ')'); /* the command name may contain spaces */
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        die("parse /proc/PID/stat");
    return (long)(utime + stime);
}

/* CPU seconds a waiter blocked for o->wait_seconds on a held lock used. */
double measure_waiting_cpu(const struct options *o, int dirfd)
{
    struct client holder;
    client_open(&holder, o, dirfd);
    struct waiter w = start_waiter(o, dirfd);
    client_acquire(&holder, 1);
    put_byte(w.to_waiter);
    sleep_ms(200);
    long before = cpu_ticks(w.pid);
    sleep_ms(o->wait_seconds * 1000);
    long after = cpu_ticks(w.pid);
    client_release(&holder);
    get_byte(w.from_waiter);
    stop_waiter(&w);
    client_close(&holder);
    return (double)(after - before) / (double)sysconf(_SC_CLK_TCK);
}
