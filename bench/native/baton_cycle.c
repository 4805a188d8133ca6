/*
 * The system calls Baton's file:// backend makes for one acquire+release (default layout, OFD locks),
 * made directly, so Baton's overhead over its own sequence can be measured (issue 3: "at most 1.3x the
 * same system calls made directly in a C loop"). Verify the sequence with strace -c against Baton's:
 *
 *   acquire  openat(O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0660)
 *            fcntl(F_OFD_SETLK, F_WRLCK, bytes 0-1)   main + gate in one call: free and nobody queued
 *            fcntl(F_OFD_SETLK, F_UNLCK, byte 1)      leave the gate
 *            statx(fd, "", AT_EMPTY_PATH)             the re-check: type, link count, inode, size
 *            statx(dirfd, name, AT_SYMLINK_NOFOLLOW)  the path still names that inode
 *            statx(dirfd, ".fencing", AT_SYMLINK_NOFOLLOW)  the mapped fencing counter is still the file
 *                                                     the path names (then an atomic add on the mapping)
 *            pwrite(record, offset 0)                 the holder's record (--record-bytes, default 160)
 *            fcntl(guard, F_OFD_SETLK, F_WRLCK, 1 byte)  the name's byte of .guard (a file never deleted),
 *                                                     which keeps a newcomer out if the lock file is deleted
 *                                                     from outside during the hold
 *   release  fcntl(guard, F_OFD_SETLK, F_UNLCK, 1 byte)
 *            statx(dirfd, name, AT_SYMLINK_NOFOLLOW)  the path still names the file held (else it is left alone)
 *            fcntl(F_OFD_SETLK, F_WRLCK, whole file)  the probe: nobody else holds or waits
 *            unlinkat(dirfd, name)                    (probe failed instead: pwrite of 1 byte, clearing the record)
 *            close
 *
 * A blocking acquire (contended, handoff) follows Baton's waiter: the waiting byte shared, the gate, then
 * the main byte with F_OFD_SETLKW, leave the gate, the re-check, the record (Baton's waiter also takes a
 * record slot with a liveness byte, not modelled here).
 */
#define _GNU_SOURCE
#include "floor.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char record[4096];

static int range(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, cmd, &fl);
}

static int busy(void) { return errno == EAGAIN || errno == EACCES; }

/* The guard file's descriptor (opened once, as Baton keeps its own) and the name's byte in it (Baton: from a hash). */
static int guard_fd = -1;
static const off_t guard_offset = (off_t)1 << 40;

static int guard(int dirfd)
{
    if (guard_fd < 0 && (guard_fd = openat(dirfd, ".guard", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660)) < 0)
        die("open .guard");
    return guard_fd;
}

static int linked(int dirfd, const char *name, int fd)
{
    struct statx held, named;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &held) != 0)
        die("statx(fd)");
    if (held.stx_nlink == 0)
        return 0;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &named) != 0)
        return 0;
    return held.stx_ino == named.stx_ino && held.stx_dev_major == named.stx_dev_major && held.stx_dev_minor == named.stx_dev_minor;
}

int baton_acquire(int dirfd, const char *name, int blocking, int record_bytes)
{
    for (;;) {
        int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660);
        if (fd < 0)
            die("open lock file");
        if (range(fd, F_OFD_SETLK, F_WRLCK, 0, 2) == 0) {
            if (range(fd, F_OFD_SETLK, F_UNLCK, 1, 1) != 0)
                die("unlock gate");
        } else {
            if (!busy())
                die("F_OFD_SETLK");
            if (!blocking) {
                close(fd);
                return -1;
            }
            if (range(fd, F_OFD_SETLK, F_RDLCK, 3, 1) != 0) { /* the deleting releaser has it: a new file */
                close(fd);
                continue;
            }
            if (range(fd, F_OFD_SETLKW, F_WRLCK, 1, 1) != 0 || range(fd, F_OFD_SETLKW, F_WRLCK, 0, 1) != 0)
                die("F_OFD_SETLKW");
            if (range(fd, F_OFD_SETLK, F_UNLCK, 1, 1) != 0)
                die("unlock gate");
        }
        if (!linked(dirfd, name, fd)) {
            close(fd);
            continue;
        }
        struct statx counter; /* Baton checks its fencing counter file before each draw; the draw itself is an add */
        (void)statx(dirfd, ".fencing", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &counter);
        if (pwrite(fd, record, (size_t)record_bytes, 0) != record_bytes)
            die("pwrite");
        if (range(guard(dirfd), blocking ? F_OFD_SETLKW : F_OFD_SETLK, F_WRLCK, guard_offset, 1) != 0)
            die("lock the guard byte");
        return fd;
    }
}

void baton_release(int dirfd, const char *name, int fd)
{
    static const char empty = 0;
    struct statx named;
    if (range(guard(dirfd), F_OFD_SETLK, F_UNLCK, guard_offset, 1) != 0)
        die("unlock the guard byte");
    (void)statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &named);
    if (range(fd, F_OFD_SETLK, F_WRLCK, 0, 0) == 0) {
        if (unlinkat(dirfd, name, 0) != 0)
            die("unlink");
    } else if (pwrite(fd, &empty, 1, 4) != 1) {
        die("pwrite(clear)");
    }
    close(fd);
}
