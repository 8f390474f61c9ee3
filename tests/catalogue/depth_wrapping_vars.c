/* Subscripts whose variables make them wrap around. C's unsigned arithmetic is modulo 2^N, and a
   conversion to a narrower type keeps the low bits, while the affine model's integers never wrap.
   Small constants are not the only way past 2^N: a parameter can scale or move the value there
   (`s[i * w + j]` with `unsigned w = UINT_MAX` is s[j - i]; with w = 2^31 every even row is row 0;
   `b[i + k]` with k = UINT_MAX is b[i - 1]), and so can a loop variable whose step is large
   (`a[i * 256u + j]` stepping i by 2^24: every row is row 0), or a loop's bounds (each row of j
   starting at i * 2^32 makes `a[(unsigned)j]` the same element in every row), a walk that starts
   wrapped (`2 * j` from j = 2^31 + 450), or a part that a wider sum brings back (`(unsigned)i` of a
   negative i in a long sum). Such a subscript is not affine, and a loop bound that may wrap is unknown
   to the model; these loops stay serial (the previous version parallelized each one with wrong output).
   Near misses stay parallel: a loop variable that moves the value by less than 2^31 each step on
   every iteration, in a loop whose bounds name no other loop's variable, cannot wrap without first indexing 2^31 or more elements past the array (`b[i + 2]`
   of an unsigned i, `y * 640u + x`, and `s[i * w + j]` where j runs over whole rows of w and i steps
   by 1); and a value whose names' types keep it in range cannot wrap at all (`(size_t)i * w + j` of an int i and an unsigned w, `2 * i + 1u` of an i counting up from 0,
   even under a branch; `j = i + 1` of a size_t i < n). */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define N 4000
#define M 400
static double A[N], B[N], C[N];
static double S[M * M];
static unsigned char P[64 * 640];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

static void fill(void) {
    // autopar: off
    for (int i = 0; i < N; i++) {
        A[i] = (double)(i % 17) * 0.1;
        B[i] = (double)(i % 5) * 0.3;
        C[i] = (double)(i % 3) - 1.0;
    }
    // autopar: off
    for (int i = 0; i < M * M; i++)
        S[i] = (double)(i % 11) * 0.2;
}

/* serial: with w = UINT_MAX the unsigned int i * w + j is j - i: every row starts at s[0] */
void unsigned_row_length(double *s, unsigned w, int n, unsigned m) {
    for (int i = 0; i < n; i++)
        for (unsigned j = i; j < (m < w ? m : w); j++)
            s[i * w + j] = s[i * w + j] * 0.5 + i;
}

/* serial: with w = 2^31, i * w is 0 modulo 2^32 for every even i: each row is row 0 */
void even_rows(double *s, unsigned w, int n, unsigned m) {
    for (int i = 0; i < n; i += 2)
        for (unsigned j = 0; j < (m < w ? m : w); j++)
            s[i * w + j] = s[i * w + j] * 0.5 + i;
}

/* serial: size_t wraps modulo 2^64: with w = SIZE_MAX, i * w + j is j - i */
void size_t_row_length(double *s, size_t w, long n, size_t m) {
    for (long i = 0; i < n; i++)
        for (size_t j = i; j < (m < w ? m : w); j++)
            s[i * w + j] = s[i * w + j] * 0.5 + i;
}

/* serial: with k = UINT_MAX, b[i + k] is b[i - 1]; a runtime check of the model's ranges
   [b + k + 1, b + k + n) would find them far from a when b == a */
void unsigned_offset(double *a, const double *b, unsigned k, int n) {
    for (int i = 1; i < n; i++)
        a[i] = b[i + k] * 0.5 + 1.0;
}

/* serial: each step of i moves i * 256u by 2^32: every row is row 0 */
void long_step(double *a) {
    for (int i = 0; i < 2013265920; i += 16777216)
        for (int j = 0; j < 1000; j++)
            a[i * 256u + j] = a[i * 256u + j] * 0.5 + i;
}

/* serial: each step moves i * 1073741824u by 2^30 only, but the branch skips the iterations
   between i = 0 and i = 4 (which would index 2^30 or more elements away): both write a[0] */
void skipped_steps(double *a) {
    for (int i = 0; i < 5; i++)
        if (i == 0 || i == 4)
            a[i * 1073741824u] = a[i * 1073741824u] * 0.5 + i;
}

/* serial: j steps by 1, but each row of j starts at i * 2^32: (unsigned)j is the same in every row
   (the bounds of j name i, so the rows of values may lie 2^31 or more apart) */
void jumping_rows(double *a, int n) {
    for (int i = 0; i < n; i++)
        for (long j = i * 4294967296L; j < i * 4294967296L + 1000; j++)
            a[(unsigned)j] = a[(unsigned)j] * 0.5 + i;
}

/* parallel: i is unsigned, and i + 2 moves by 1 each iteration: to wrap it would first index
   2^31 elements past the array */
void unsigned_counter(unsigned n) {
    for (unsigned i = 0; i < n; i++)
        A[i] = B[i + 2] * 0.5 + 1.0;
}

/* parallel: y * 640u + x steps by 640 and 1 */
void image_rows(unsigned h) {
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < 640; x++)
            P[y * 640u + x] = (unsigned char)(x ^ y);
}

/* parallel: j runs over whole rows of w and i steps by 1: i * w + j moves through every value from
   its first to its last, so to wrap it would first index 2^31 elements past the array */
void whole_rows(double *s, unsigned w, int n) {
    for (int i = 0; i < n; i++)
        for (unsigned j = 0; j < w; j++)
            s[i * w + j] = s[i * w + j] * 0.5 + i;
}

/* parallel: the same in size_t, rows of rows */
void whole_planes(double *s, size_t h, size_t w, size_t n) {
    for (size_t k = 0; k < n; k++)
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++)
                s[(k * h + y) * w + x] = s[(k * h + y) * w + x] * 0.5 + (double)k;
}

/* parallel: an int i times an unsigned int w in size_t stays below 2^63: no wrap */
void wide_rows(double *s, unsigned w, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < w; j++)
            s[(size_t)i * w + j] = s[(size_t)i * w + j] * 0.5 + i;
}

/* parallel: under a branch, 2 * i + 1u of an i counting up from 0 stays below 2^32 */
void odd_under_branch(int n) {
    for (int i = 0; i < n; i++)
        if (C[2 * i] >= 0.0)
            A[2 * i] = A[2 * i + 1u] * 0.5 + 1.0;
}

/* i serial (j may run in parallel): rows of j start at i * 2^30, and i steps by 4: in C every row starts at 0 (4 * 2^30 wraps
   to 0), the model would see rows 2^32 apart. A loop bound that may wrap is unknown to the model */
void quarter_rows(double *s, int n) {
    for (int i = 0; i < n; i += 4)
        for (unsigned j = i * 1073741824u; j < i * 1073741824u + 1000u; j++)
            s[j] = s[j] * 0.5 + i;
}

/* i serial (j may run in parallel): 0u - 2147483647u * i - i is 0u - 2^31 * i, 0 for every even i; a coefficient of -2^31
   is not small */
void negative_rows(double *s, int n) {
    for (int i = 0; i < n; i += 2)
        for (unsigned j = 0u - 2147483647u * i - i; j < 0u - 2147483647u * i - i + 1000u; j++)
            s[j] = s[j] * 0.5 + i;
}

/* serial: j starts past 2^31, so 2 * j starts wrapped: C reads A[900], which iteration 900 writes;
   the model's 2^32 + 900 would be far from every A[i] */
void far_start(void) {
    for (int i = 0; i < N; i++) {
        for (unsigned j = 2147484098u; j < 2147484099u; j++)
            B[i] += A[2 * j];
        A[i] = B[i] * 0.5 + 1.0;
    }
}

/* serial: the same through a pointer: the runtime check would compare a with b + 2^32 + 900 */
void far_pointer(double *a, const double *b) {
    for (int i = 0; i < N; i++) {
        double t = 0;
        for (unsigned j = 2147484098u; j < 2147484099u; j++)
            t += b[2 * j];
        a[i] = t * 0.5 + i;
    }
}

/* serial: the loop of j first runs at i = 2147484099u, where 2 * i is already wrapped (A[902] in C,
   past 2^32 in the model), though 2 * i starts at 4294966000: its bounds name i, so the first
   value of i proves nothing */
void late_start(void) {
    for (unsigned i = 2147483000u; i < 2147483000u + 2600u; i++) {
        for (unsigned j = 2147484098u; j < i; j += 4096)
            B[i - 2147483000u] += A[2 * i];
        A[i - 2147483000u] = B[i - 2147483000u] * 0.5 + 1.0;
    }
}

/* serial: (unsigned)i of a negative i is 2^32 + i in C, and the long sum brings it back: A[i + N],
   which the iteration before writes; the model's A[i + N - 2^32] is outside A. Only the whole
   subscript may rely on a wrapped value being outside every array */
void inner_unsigned(void) {
    for (int i = -N; i < -1; i++)
        A[i + N + 1] = A[(unsigned)i + (N - 4294967296L)] * 0.5 + 1.0;
}

/* serial: the same through pointer arithmetic, where each part is its own offset: a + (unsigned)i is
   a + 2^32 + i for a negative i, and the next part takes 2^32 away: a[i + N], which the iteration
   before writes */
void pointer_parts(double *a) {
    for (int i = -N; i < -1; i++)
        a[i + N + 1] = *(a + (unsigned)i - 4294967296L + N) * 0.5 + 1.0;
}

/* parallel: a row of j from i + 1 in size_t: i < n keeps i + 1 within size_t */
void size_t_triangle(size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            A[i] = A[i] * 0.5 + B[j];
}

int main(void) {
    fill(); unsigned_row_length(S, UINT_MAX, M, M); cks("unsigned_row_length", S, M);
    fill(); even_rows(S, 2147483648u, M, M); cks("even_rows", S, M);
    fill(); size_t_row_length(S, SIZE_MAX, M, M); cks("size_t_row_length", S, M);
    fill(); unsigned_offset(A, A, UINT_MAX, N); cks("unsigned_offset", A, N);
    fill(); long_step(S); cks("long_step", S, 1000);
    fill(); skipped_steps(S); cks("skipped_steps", S, 1);
    fill(); jumping_rows(S, 8); cks("jumping_rows", S, 1000);
    fill(); unsigned_counter(N - 2); cks("unsigned_counter", A, N);
    image_rows(64);
    double p = 0.0;
    // autopar: off
    for (int k = 0; k < 64 * 640; k++)
        p += P[k] * (double)(k % 7 + 1);
    printf("image_rows %.12g\n", p);
    fill(); whole_rows(S, M, M); cks("whole_rows", S, M * M);
    fill(); whole_planes(S, 20, 20, M); cks("whole_planes", S, M * M);
    fill(); wide_rows(S, M, M); cks("wide_rows", S, M * M);
    fill(); odd_under_branch(N / 2 - 1); cks("odd_under_branch", A, N);
    fill(); quarter_rows(S, 64); cks("quarter_rows", S, 1000);
    fill(); negative_rows(S, 64); cks("negative_rows", S, 1000);
    fill(); far_start(); cks("far_start", A, N); cks("far_start_b", B, N);
    fill(); far_pointer(A, A); cks("far_pointer", A, N);
    fill(); late_start(); cks("late_start", A, N); cks("late_start_b", B, N);
    fill(); inner_unsigned(); cks("inner_unsigned", A, N);
    fill(); pointer_parts(A); cks("pointer_parts", A, N);
    fill(); size_t_triangle(N); cks("size_t_triangle", A, N);
    return 0;
}
