/* test_npy.c — the .npy reader and writer: round trips for every dtype,
 * scalars and empty arrays, byte-exact agreement with numpy's own header,
 * and clean errors (never a crash) for every malformed file we can think of,
 * including every truncation of a valid file. */
#define _POSIX_C_SOURCE 200809L

#include "helpers/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/npy.h"

static char tmp_dir[] = "/tmp/ic_test_npy_XXXXXX";

static int setup(void **state) {
    (void)state;
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *buf, size_t size, const char *name) { snprintf(buf, size, "%s/%s", tmp_dir, name); }

/* Reads a whole file into a malloc'd buffer. */
static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void round_trip(ic_dtype dt, int rank, const int64_t *dims) {
    ic_shape shape = ic_test_shape(rank, dims);
    ic_tensor t, back;
    ic_diag d = {0};
    assert_int_equal(ic_tensor_alloc(dt, &shape, &t, &d), IC_OK);
    unsigned char *p = t.data;
    for (size_t i = 0; i < ic_tensor_nbytes(&t); i++) p[i] = (unsigned char)(i * 7 + 3);
    if (dt == IC_DT_BOOL)
        for (size_t i = 0; i < ic_tensor_nbytes(&t); i++) p[i] &= 1;
    char path[512];
    tmp_path(path, sizeof path, "rt.npy");
    assert_int_equal(ic_npy_write(path, &t, &d), IC_OK);
    ic_status s = ic_npy_read(path, &back, &d);
    if (s != IC_OK) fail_msg("%s", d.msg);
    assert_int_equal(back.dtype, dt);
    assert_true(ic_shape_equal(&back.shape, &shape));
    assert_memory_equal(back.data, t.data, ic_tensor_nbytes(&t) ? ic_tensor_nbytes(&t) : 1);
    /* The file is a whole number of 64-byte header blocks plus the data, as numpy writes. */
    size_t len;
    unsigned char *raw = slurp(path, &len);
    size_t hlen = raw[8] | (size_t)raw[9] << 8;
    assert_int_equal((10 + hlen) % 64, 0);
    assert_int_equal(len, 10 + hlen + ic_tensor_nbytes(&t));
    free(raw);
    ic_tensor_free(&t);
    ic_tensor_free(&back);
}

static void test_round_trip_dtypes(void **state) {
    (void)state;
    const ic_dtype dts[] = {IC_DT_F32, IC_DT_I64, IC_DT_I32, IC_DT_U8, IC_DT_BOOL, IC_DT_I8, IC_DT_F16};
    for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
        round_trip(dts[i], 2, (int64_t[]){2, 3});
        round_trip(dts[i], 1, (int64_t[]){5});
        round_trip(dts[i], 4, (int64_t[]){1, 3, 4, 5});
    }
}

static void test_scalars_and_empty(void **state) {
    (void)state;
    round_trip(IC_DT_F32, 0, NULL);
    round_trip(IC_DT_I64, 0, NULL);
    round_trip(IC_DT_F32, 1, (int64_t[]){0});
    round_trip(IC_DT_I32, 3, (int64_t[]){2, 0, 3});
    round_trip(IC_DT_F32, 8, (int64_t[]){1, 2, 1, 2, 1, 2, 1, 2});
}

/* What numpy 1.24 writes for np.save(f, np.zeros((2, 3), np.float32)). */
static void test_header_matches_numpy(void **state) {
    (void)state;
    static const char want[] = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
                               "                                                          \n";
    ic_shape shape = ic_test_shape(2, (int64_t[]){2, 3});
    ic_tensor t;
    ic_diag d = {0};
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &shape, &t, &d), IC_OK);
    char path[512];
    tmp_path(path, sizeof path, "np.npy");
    assert_int_equal(ic_npy_write(path, &t, &d), IC_OK);
    size_t len;
    unsigned char *raw = slurp(path, &len);
    assert_int_equal(len, 128 + 24);
    assert_memory_equal(raw, want, 128);
    free(raw);
    ic_tensor_free(&t);
}

/* Builds a v1 file from header text (padding added) and data size. */
static unsigned char *make_npy(const char *dict, size_t data_bytes, size_t *len) {
    size_t n = strlen(dict);
    size_t hlen = n + 1 + (64 - (10 + n + 1) % 64) % 64;
    *len = 10 + hlen + data_bytes;
    unsigned char *b = calloc(1, *len);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)(hlen & 0xff);
    b[9] = (unsigned char)(hlen >> 8);
    memset(b + 10, ' ', hlen);
    memcpy(b + 10, dict, n);
    b[10 + hlen - 1] = '\n';
    return b;
}

static void expect_error(const void *buf, size_t len, ic_status want, const char *substr) {
    ic_tensor t;
    ic_diag d = {0};
    ic_status s = ic_npy_read_mem(buf, len, "x.npy", &t, &d);
    if (s == IC_OK) fail_msg("expected an error containing '%s', got success", substr);
    if (want != IC_OK) assert_int_equal(s, want);
    assert_null(t.data);
    assert_null(strchr(d.msg, '\n'));
    if (!strstr(d.msg, substr)) fail_msg("message '%s' lacks '%s'", d.msg, substr);
    assert_non_null(strstr(d.msg, "x.npy"));
}

static void expect_ok(const char *dict, size_t data_bytes, ic_dtype dt, int rank) {
    size_t len;
    unsigned char *b = make_npy(dict, data_bytes, &len);
    ic_tensor t;
    ic_diag d = {0};
    ic_status s = ic_npy_read_mem(b, len, "x.npy", &t, &d);
    if (s != IC_OK) fail_msg("'%s': %s", dict, d.msg);
    assert_int_equal(t.dtype, dt);
    assert_int_equal(t.shape.rank, rank);
    ic_tensor_free(&t);
    free(b);
}

static void test_header_variants(void **state) {
    (void)state;
    expect_ok("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24, IC_DT_F32, 2);
    expect_ok("{\"shape\":(3,),\"descr\":\"<i4\",\"fortran_order\":False}", 12, IC_DT_I32, 1);
    expect_ok("{'fortran_order': False, 'shape': (), 'descr': '|b1'}", 1, IC_DT_BOOL, 0);
    expect_ok("{'descr': '<i8', 'fortran_order': False, 'shape': (2L, 1L), }", 16, IC_DT_I64, 2);
    expect_ok("{'descr': '|u1', 'fortran_order': False, 'shape': ( 4 , ) , }", 4, IC_DT_U8, 1);
    expect_ok("{'descr': '=f4', 'fortran_order': False, 'shape': (1,), }", 4, IC_DT_F32, 1);
}

static void test_malformed(void **state) {
    (void)state;
    size_t len;
    unsigned char *b;

    expect_error("", 0, IC_ERR_PARSE, "bad magic");
    expect_error("PK\x03\x04 not numpy at all....", 26, IC_ERR_PARSE, "bad magic");
    expect_error("\x93NUMPY\x04\x00\x10\x00{}", 12, IC_ERR_UNSUPPORTED, "version");

    b = make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, &len);
    expect_error(b, len, IC_ERR_UNSUPPORTED, "Fortran");
    free(b);
    b = make_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24, &len);
    expect_error(b, len, IC_ERR_UNSUPPORTED, "big-endian");
    free(b);
    b = make_npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, &len);
    expect_error(b, len, IC_ERR_UNSUPPORTED, "dtype");
    free(b);
    b = make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, &len);
    expect_error(b, len, IC_OK, "structured");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, &len);
    expect_error(b, len, IC_ERR_PARSE, "size mismatch");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, &len);
    expect_error(b, len, IC_ERR_PARSE, "size mismatch");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", 0,
                 &len);
    expect_error(b, len, IC_ERR_PARSE, "too large");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 0, &len);
    expect_error(b, len, IC_ERR_PARSE, "dimension");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 0, &len);
    expect_error(b, len, IC_ERR_PARSE, "dimension");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, &len);
    expect_error(b, len, IC_ERR_UNSUPPORTED, "dimensions");
    free(b);
    b = make_npy("{'descr': '<f4', 'shape': (2,), }", 8, &len);
    expect_error(b, len, IC_ERR_PARSE, "fortran_order");
    free(b);
    b = make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, &len);
    expect_error(b, len, IC_ERR_PARSE, "repeated");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8, &len);
    expect_error(b, len, IC_ERR_PARSE, "extra");
    free(b);
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) junk", 8, &len);
    expect_error(b, len, IC_ERR_PARSE, "header");
    free(b);
    b = make_npy("['descr', '<f4']", 8, &len);
    expect_error(b, len, IC_ERR_PARSE, "not a dict");
    free(b);

    /* Header length pointing past the end of the file. */
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, &len);
    b[8] = 0xff;
    b[9] = 0xff;
    expect_error(b, len, IC_ERR_PARSE, "truncated");
    free(b);
}

/* Every prefix of a valid file is rejected with a message, never a crash. */
static void test_every_truncation(void **state) {
    (void)state;
    size_t len;
    unsigned char *b = make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }", 48, &len);
    for (size_t n = 0; n < len; n++) {
        ic_tensor t;
        ic_diag d = {0};
        assert_int_not_equal(ic_npy_read_mem(b, n, "x.npy", &t, &d), IC_OK);
        assert_true(d.msg[0] != '\0');
    }
    ic_tensor t;
    ic_diag d = {0};
    assert_int_equal(ic_npy_read_mem(b, len, "x.npy", &t, &d), IC_OK);
    ic_tensor_free(&t);
    free(b);
}

static void test_file_errors(void **state) {
    (void)state;
    ic_tensor t;
    ic_diag d = {0};
    assert_int_equal(ic_npy_read("/nonexistent/x.npy", &t, &d), IC_ERR_IO);
    assert_non_null(strstr(d.msg, "/nonexistent/x.npy"));
    assert_int_equal(ic_npy_read(tmp_dir, &t, &d), IC_ERR_IO); /* a directory */
    ic_shape shape = ic_test_shape(1, (int64_t[]){2});
    assert_int_equal(ic_tensor_alloc(IC_DT_F32, &shape, &t, &d), IC_OK);
    assert_int_equal(ic_npy_write("/nonexistent/dir/y.npy", &t, &d), IC_ERR_IO);
    t.dtype = IC_DT_BF16; /* numpy has no bf16 */
    char path[512];
    tmp_path(path, sizeof path, "bf16.npy");
    assert_int_equal(ic_npy_write(path, &t, &d), IC_ERR_UNSUPPORTED);
    t.dtype = IC_DT_F32;
    ic_tensor_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_dtypes), cmocka_unit_test(test_scalars_and_empty),
        cmocka_unit_test(test_header_matches_numpy), cmocka_unit_test(test_header_variants),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
