/* Shared declarations of the C floor (see floor.c for what it measures). */
#ifndef BATON_FLOOR_H
#define BATON_FLOOR_H

#include <stdint.h>

enum protocol { PROTO_LOCK, PROTO_DELETE, PROTO_BATON };

struct options {
    enum protocol protocol; /* --cycle lock|delete (peer mode); standalone measures both */
    const char *dir;        /* --dir; default: a fresh directory under $TMPDIR or /tmp */
    const char *name;       /* --name: the lock file's name in dir */
    const char *measures;   /* --measures, peer mode */
    int record_bytes;       /* --record-bytes: the record Baton writes (PROTO_BATON) */
    int cycles, warmup_cycles, warmup_ms, workers, trials, hold_min_ms, hold_max_ms;
    unsigned seed;
    double seconds, wait_seconds;
    int json, peer;
};

struct client {
    enum protocol protocol;
    int record_bytes;
    int dirfd, fd;
    const char *name;
};

/* floor.c */
int lock_fd(int fd, int blocking);
int unlock_fd(int fd);
int dor_acquire(int dirfd, const char *name, int blocking);
void dor_release(int dirfd, const char *name, int fd);
void client_open(struct client *c, const struct options *o, int dirfd);
void client_acquire(struct client *c, int blocking);
void client_release(struct client *c);
void client_close(struct client *c);
void die(const char *what);

/* baton_cycle.c: Baton's own system-call sequence */
int baton_acquire(int dirfd, const char *name, int blocking, int record_bytes);
void baton_release(int dirfd, const char *name, int fd);

/* measures.c: each returns its raw data; the caller owns the arrays. */
int64_t now_ns(void);
double *measure_uncontended(const struct options *o, int dirfd, int n);
long *measure_contended(const struct options *o, int dirfd);
double *measure_handoff(const struct options *o, int dirfd);
double measure_waiting_cpu(const struct options *o, int dirfd);

/* report.c */
int compare_doubles(const void *a, const void *b);
double percentile(const double *samples, int n, double percent);
void print_json_array(const double *v, int n);

#endif
