/*
 * The physical floor of a lock-file backend on this machine, by the shared/PEERS.md method:
 *
 *   lock      F_OFD_SETLK lock + unlock on an open descriptor
 *   delete    the delete-on-release cycle: open(O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0600),
 *             F_OFD_SETLK exclusive, fstat, fstatat(AT_SYMLINK_NOFOLLOW) compared on
 *             device + inode + link count, unlink, close
 *   baton     the system calls Baton's file:// backend makes per cycle, made directly (baton_cycle.c)
 *   handoff   a forked process blocked in F_OFD_SETLKW; the holder releases after a random
 *             50-150 ms hold; time from the release call to the waiter's return, both read from
 *             CLOCK_MONOTONIC (shared memory carries the waiter's timestamp)
 *
 * Standalone (default): prints one line per measure, key=value pairs, or one JSON object with
 * --json. With --peer it speaks the process-peer protocol of bench/Baton.SideBySide (reads the
 * options the harness appends, prints raw samples as JSON); --cycle lock|delete then chooses the
 * protocol every measure uses. See bench/README.md.
 */
#define _GNU_SOURCE
#include "floor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the two protocols ------------------------------------------------------------------ */

static int ofd(int fd, int cmd, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file; l_pid must be 0 */
    return fcntl(fd, cmd, &fl);
}

int lock_fd(int fd, int blocking) { return ofd(fd, blocking ? F_OFD_SETLKW : F_OFD_SETLK, F_WRLCK); }

int unlock_fd(int fd) { return ofd(fd, F_OFD_SETLK, F_UNLCK); }

/* Delete-on-release acquire: lock, then check that the name still denotes the locked file
 * (a holder may have deleted it meanwhile); retry on a mismatch. Returns the held descriptor,
 * or -1 when not blocking and the lock is taken. */
int dor_acquire(int dirfd, const char *name, int blocking)
{
    for (;;) {
        int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            die("open lock file");
        if (lock_fd(fd, blocking) != 0) {
            if (!blocking && (errno == EAGAIN || errno == EACCES)) {
                close(fd);
                return -1;
            }
            die("F_OFD_SETLK(W)");
        }
        struct stat held, named;
        if (fstat(fd, &held) != 0)
            die("fstat");
        if (fstatat(dirfd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 && held.st_dev == named.st_dev
            && held.st_ino == named.st_ino && held.st_nlink > 0)
            return fd;
        close(fd); /* deleted or replaced while we waited: the lock we got guards nothing */
    }
}

/* Delete while holding, then close (which drops the lock). */
void dor_release(int dirfd, const char *name, int fd)
{
    if (unlinkat(dirfd, name, 0) != 0)
        die("unlink");
    close(fd);
}

/* ---- one client of either protocol, as the measures see it -------------------------------- */

void client_open(struct client *c, const struct options *o, int dirfd)
{
    c->protocol = o->protocol;
    c->record_bytes = o->record_bytes;
    c->dirfd = dirfd;
    c->name = o->name;
    c->fd = -1;
    if (c->protocol == PROTO_LOCK) {
        c->fd = openat(dirfd, o->name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (c->fd < 0)
            die("open lock file");
    }
}

void client_acquire(struct client *c, int blocking)
{
    if (c->protocol == PROTO_LOCK) {
        if (lock_fd(c->fd, blocking) != 0)
            die("F_OFD_SETLK(W)");
    } else if (c->protocol == PROTO_BATON) {
        c->fd = baton_acquire(c->dirfd, c->name, blocking, c->record_bytes);
        if (c->fd < 0)
            die("lock taken");
    } else {
        c->fd = dor_acquire(c->dirfd, c->name, blocking);
        if (c->fd < 0)
            die("lock taken");
    }
}

void client_release(struct client *c)
{
    if (c->protocol == PROTO_LOCK) {
        if (unlock_fd(c->fd) != 0)
            die("unlock");
    } else if (c->protocol == PROTO_BATON) {
        baton_release(c->dirfd, c->name, c->fd);
        c->fd = -1;
    } else {
        dor_release(c->dirfd, c->name, c->fd);
        c->fd = -1;
    }
}

void client_close(struct client *c)
{
    if (c->protocol == PROTO_LOCK && c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

void die(const char *what)
{
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    exit(1);
}
