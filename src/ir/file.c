/* file.c — whole-file reads for the front ends and the compile driver; see file.h. */
#include "ir/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ic_status fail(int fd, int err, int *out_errno, ic_status s, ic_diag *d, const char *fmt, const char *path,
                      const char *detail) {
    if (fd >= 0) close(fd);
    if (out_errno) *out_errno = err;
    return ic_diag_set(d, s, fmt, path, detail);
}

ic_status ic_file_read(const char *path, size_t max_size, ic_arena *arena, uint8_t **out, size_t *out_len,
                       int *out_errno, ic_diag *d) {
    *out = NULL;
    *out_len = 0;
    if (out_errno) *out_errno = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block us; fstat refuses it */
    if (fd < 0) return fail(-1, errno, out_errno, IC_ERR_IO, d, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) return fail(fd, errno, out_errno, IC_ERR_IO, d, "cannot read %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(fd, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, out_errno, IC_ERR_IO, d, "%s: not a regular file%s",
                    path, "");
    if (max_size > SIZE_MAX - 1) max_size = SIZE_MAX - 1;
    if ((uint64_t)st.st_size > (uint64_t)max_size) {
        char limit[32];
        snprintf(limit, sizeof limit, "%zu", max_size);
        return fail(fd, EFBIG, out_errno, IC_ERR_IO, d, "%s: larger than %s bytes", path, limit);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = arena ? ic_arena_alloc(arena, size + 1) : malloc(size + 1);
    if (!buf) return fail(fd, 0, out_errno, IC_ERR_NOMEM, d, "out of memory reading %s%s", path, "");
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int err = r < 0 ? errno : EIO;
            if (!arena) free(buf);
            return fail(fd, err, out_errno, IC_ERR_IO, d, "cannot read %s: %s", path, strerror(err));
        }
        got += (size_t)r;
    }
    close(fd);
    buf[size] = '\0';
    *out = buf;
    *out_len = size;
    return IC_OK;
}
