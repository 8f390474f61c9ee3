/* Subscripts that wrap around. C's unsigned arithmetic is modulo 2^N, and a conversion to a narrower
   type keeps the low bits, while the affine model's integers never wrap: with `int i`,
   `a[i + 4294967295u]` is a[i - 1] (the sum is unsigned int, (i - 1) mod 2^32), but the model read
   it as a[i + 4294967295], far beyond the array, and found no dependence. A subscript whose terms
   leave the signed 32-bit range in an unsigned or narrow type is not affine: these loops carry a
   dependence through a[i - 1] (or the same element) and stay serial. Near misses stay parallel: small
   unsigned constants (`2 * i + 1u`, `i - 1u` in an unsigned loop), size_t arithmetic, and large
   constants in a signed 64-bit type, which cannot wrap. */
#include <limits.h>
#include <stdio.h>

#define N 40000
static double A[2 * N + 2], B[2 * N + 2];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

static void fill(void) {
    // autopar: off
    for (int i = 0; i < 2 * N + 2; i++) {
        A[i] = (double)(i % 17) * 0.1;
        B[i] = (double)(i % 5) * 0.3;
    }
}

/* serial: i + 4294967295u is (i - 1) mod 2^32, the previous iteration's element */
void uint_max_offset(void) {
    for (int i = 1; i < N; i++)
        A[i] = A[i + 4294967295u] * 0.5 + 1.0;
}

/* serial: 0xFFFFFFFF is an unsigned int too (a hexadecimal literal takes the first type that holds it) */
void hex_offset(void) {
    for (int i = 1; i < N; i++)
        A[i] = A[i + 0xFFFFFFFF] * 0.5 + 1.0;
}

/* serial: through a macro of <limits.h> */
void limits_offset(void) {
    for (int i = 1; i < N; i++)
        A[i] = A[i + UINT_MAX] * 0.5 + 1.0;
}

/* serial: unsigned long wraps modulo 2^64: i + ULONG_MAX is i - 1 */
void ulong_max_offset(void) {
    for (int i = 1; i < N; i++)
        A[i] = A[i + 18446744073709551615ul] * 0.5 + 1.0;
}

/* serial: the conversion to int keeps the low 32 bits: (int)(i + 4294967295L) is i - 1 */
void narrowed_long(void) {
    for (int i = 1; i < N; i++)
        A[i] = A[(int)(i + 4294967295L)] * 0.5 + 1.0;
}

/* serial: i * 4294967295u + 2 * i is i modulo 2^32: the read is the element written one iteration
   earlier (the model saw 4294967297 * i) */
void wrapped_product(void) {
    for (int i = 0; i < N; i++)
        A[i + 1] = A[i * 4294967295u + 2 * i] * 0.5 + 1.0;
}

/* serial: the wrap reaches the subscript through a local's definition */
void substituted_local(void) {
    for (int i = 1; i < N; i++) {
        unsigned k = i + 4294967295u;
        A[i] = A[k] * 0.5 + 1.0;
    }
}

/* serial: the same offset added to a pointer */
void pointer_offset(double *a) {
    for (int i = 1; i < N; i++)
        *(a + i) = *(a + (i + 4294967295u)) * 0.5 + 1.0;
}

/* serial, with the model's distance: i + (unsigned)-1 is i - 1 modulo 2^32, and the model's i - 1
   is the same value wherever the element exists */
void minus_one_cast(void) {
    for (int i = 1; i < N; i++)
        A[i] = A[i + (unsigned)-1] * 0.5 + 1.0;
}

/* parallel: 2 * i + 1u never wraps for i >= 0: the odd elements are read, the even ones written */
void small_unsigned(void) {
    for (int i = 0; i < N; i++)
        A[2 * i] = A[2 * i + 1u] * 0.5 + 1.0;
}

/* parallel: an unsigned loop, its subscripts unsigned arithmetic with small constants */
void unsigned_loop(void) {
    for (unsigned i = 1; i <= N; i++)
        B[2u * i] = B[2u * i - 1u] * 0.5 + 1.0;
}

/* parallel: size_t arithmetic (sizeof) with a small constant */
void size_t_offset(void) {
    for (int i = 0; i < N; i++)
        A[2 * i] = A[2 * i + sizeof(char)] * 0.5 + 1.0;
}

/* parallel: large constants in a signed 64-bit type cannot wrap: the read is the written element */
void signed_long_constants(void) {
    for (int i = 0; i < N; i++)
        B[i] = B[i + 3000000000L - 3000000000L] * 0.5 + 1.0;
}

int main(void) {
    fill(); uint_max_offset(); cks("uint_max_offset", A, N);
    fill(); hex_offset(); cks("hex_offset", A, N);
    fill(); limits_offset(); cks("limits_offset", A, N);
    fill(); ulong_max_offset(); cks("ulong_max_offset", A, N);
    fill(); narrowed_long(); cks("narrowed_long", A, N);
    fill(); wrapped_product(); cks("wrapped_product", A, N + 1);
    fill(); substituted_local(); cks("substituted_local", A, N);
    fill(); pointer_offset(A); cks("pointer_offset", A, N);
    fill(); minus_one_cast(); cks("minus_one_cast", A, N);
    fill(); small_unsigned(); cks("small_unsigned", A, 2 * N);
    fill(); unsigned_loop(); cks("unsigned_loop", B, 2 * N + 1);
    fill(); size_t_offset(); cks("size_t_offset", A, 2 * N);
    fill(); signed_long_constants(); cks("signed_long_constants", B, N);
    return 0;
}
