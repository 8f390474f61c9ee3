/* Constant locals (as in the race micro-benchmarks' `int len = 1000; int m = 2;`): an integer local
   initialized with a constant that the function never assigns again and whose address it never takes
   is that constant wherever the loop reads it, so a stride `k * i` is affine, a trip count is known
   (a scalar live after the loop is lastprivate), and a distance is a number. A `const` one counts in
   any case, but only an initializer spelled as numbers (a macro's value may differ in another build).
   Near misses stay serial: a macro's value, assigned later, address taken, the value the type stores
   (not the one written), a distance of 1. */
#include <stdio.h>

#define LEN 40000
static double A[2 * LEN + 2], B[2 * LEN + 2];
double last_seen;
int last_index;

static void set_int(int *p, int v) { *p = v; }

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* parallel: k is 2 wherever it is read, so a[k * i] and a[k * i + 1] never meet across iterations */
void stride_local(double *restrict a) {
    int k = 2;
    int len = 40000;
    for (int i = 0; i < len; i++)
        a[k * i] = a[k * i + 1] * 0.5 + 1.0;
}

/* parallel: the loop runs len > 0 times, so x's last value is the last iteration's (lastprivate) */
void live_after(double *restrict b, const double *restrict a) {
    int len = 40000;
    double x = 0.0;
    int i;
    for (i = 0; i < len; i++) {
        x = a[i] * 2.0 + 1.0;
        b[i] = x * x;
    }
    last_seen = x;
    last_index = i;
}

/* parallel: a const local, in any language */
void const_stride(double *restrict a) {
    const int k = 2;
    for (int i = 0; i < LEN; i++)
        a[k * i + 1] = a[k * i] * 0.25 - 1.0;
}

/* len is LEN, a macro that another build may define otherwise: the rewrite must not write its value
   (a zero-trip loop keeps x's value; lastprivate would not): only under a run-time test that it runs */
void macro_length(double *restrict b, const double *restrict a) {
    int len = LEN;
    double x = 0.0;
    for (int i = 0; i < len; i++) {
        x = a[i] * 3.0 - 1.0;
        b[i] = x + x;
    }
    last_seen = x;
}

/* serial: k is assigned again before the loop, so k * i is not affine */
void assigned_later(double *restrict a, int twice) {
    int k = 2;
    if (twice)
        k = 1;
    for (int i = 0; i < LEN; i++)
        a[k * i] = a[k * i + 1] * 0.5 + 1.0;
}

/* serial: k's address is taken (a call may change it): k * i is not affine */
void address_taken(double *restrict a) {
    int k = 2;
    set_int(&k, 1);
    for (int i = 0; i < LEN; i++)
        a[k * i] = a[k * i + 1] * 0.5 + 1.0;
}

/* serial: k stores 257 as 1, so a[k * i + 1] is the next iteration's a[k * i] (with 257: no overlap) */
void narrowed(double *restrict a) {
    unsigned char k = 257;
    for (int i = 0; i < LEN / 64; i++)
        a[k * i] = a[k * i + 1] * 0.5 + 1.0;
}

/* serial: the distance m is 1, a real flow dependence */
void distance_one(double *restrict a) {
    int m = 1;
    int len = 40000;
    for (int i = m; i < len; i++)
        a[i] = a[i - m] * 0.5 + 1.0;
}

int main(void) {
    for (int i = 0; i < 2 * LEN + 2; i++) {
        A[i] = (double)(i % 17) * 0.1;
        B[i] = (double)(i % 5) * 0.3;
    }
    stride_local(A); cks("stride_local", A, 2 * LEN);
    live_after(B, A); cks("live_after", B, LEN); printf("last %.12g %d\n", last_seen, last_index);
    const_stride(A); cks("const_stride", A, 2 * LEN);
    macro_length(B, A); cks("macro_length", B, LEN); printf("last %.12g\n", last_seen);
    assigned_later(A, 0); cks("assigned_later", A, 2 * LEN);
    address_taken(B); cks("address_taken", B, 2 * LEN);
    narrowed(A); cks("narrowed", A, 2 * LEN);
    distance_one(B); cks("distance_one", B, LEN);
    return 0;
}
