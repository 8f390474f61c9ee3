/* Parallel loops that need data-sharing clauses: reductions of every kind, private, lastprivate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 900

double sum_plus(const double *restrict a, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

double sum_minus(const double *restrict a, int n) {
    double s = 1000.0;
    for (int i = 0; i < n; i++)
        s -= a[i] * 0.5;
    return s;
}

double product(const double *restrict a, int n) {
    double p = 1.0;
    for (int i = 0; i < n; i++)
        p *= 1.0 + a[i] * 1e-4;
    return p;
}

long int_sum(const int *restrict v, int n) {
    long s = 0;
    for (int i = 0; i < n; i++)
        s = s + v[i];
    return s;
}

unsigned bit_and(const unsigned *restrict v, int n) {
    unsigned m = 0xffffffffu;
    for (int i = 0; i < n; i++)
        m &= v[i] | 0x10u;
    return m;
}

unsigned bit_or(const unsigned *restrict v, int n) {
    unsigned m = 0;
    for (int i = 0; i < n; i++)
        m |= v[i];
    return m;
}

unsigned bit_xor(const unsigned *restrict v, int n) {
    unsigned m = 0;
    for (int i = 0; i < n; i++)
        m ^= v[i] * 2654435761u;
    return m;
}

int all_positive(const double *restrict a, int n) {
    int ok = 1;
    for (int i = 0; i < n; i++)
        ok = ok && (a[i] >= 0.0);
    return ok;
}

int any_large(const double *restrict a, int n) {
    int found = 0;
    for (int i = 0; i < n; i++)
        found = found || (a[i] > 9.9);
    return found;
}

double max_if(const double *restrict a, int n) {
    double m = -1e300;
    for (int i = 0; i < n; i++)
        if (a[i] > m)
            m = a[i];
    return m;
}

double min_ternary(const double *restrict a, int n) {
    double m = 1e300;
    for (int i = 0; i < n; i++)
        m = a[i] < m ? a[i] : m;
    return m;
}

double max_fmax(const double *restrict a, int n) {
    double m = -1e300;
    for (int i = 0; i < n; i++)
        m = fmax(m, a[i] * 1.5);
    return m;
}

double min_fmin(const double *restrict a, int n) {
    double m = 1e300;
    for (int i = 0; i < n; i++)
        m = fmin(a[i] + 0.25, m);
    return m;
}

int max_int(const int *restrict v, int n) {
    int m = -1;
    for (int i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* two reductions in one loop */
void two_sums(const double *restrict a, int n, double *out) {
    double s = 0.0, q = 0.0;
    for (int i = 0; i < n; i++) {
        s += a[i];
        q += a[i] * a[i];
    }
    out[0] = s;
    out[1] = q;
}

/* a temporary written before it is read: private */
void private_temp(double *restrict b, const double *restrict a, int n) {
    double t;
    for (int i = 0; i < n; i++) {
        t = a[i] * 2.0;
        b[i] = t * t + 1.0;
    }
}

/* a temporary used after the loop: lastprivate (the constant trip count proves that the loop runs,
   without which lastprivate would leave t unspecified: see lastprivate_may_skip in serial.c) */
double lastprivate_temp(double *restrict b, const double *restrict a, int n) {
    double t = 0.0;
    (void)n;
    for (int i = 0; i < N * 8; i++) {
        t = a[i] + 1.0;
        b[i] = t * 3.0;
    }
    return t;
}

/* the loop variable declared outside and used after the loop (a loop that provably runs) */
int iv_after(double *restrict b, int n) {
    int i;
    (void)n;
    for (i = 0; i < N * 8; i++)
        b[i] = (double)i * 0.5;
    return i;
}

/* a row sum in an inner loop: s private to the outer loop, inner j private too */
void row_sums(double *restrict r, const double *restrict a, int n, int m) {
    int j;
    double s;
    for (int i = 0; i < n; i++) {
        s = 0.0;
        for (j = 0; j < m; j++)
            s += a[i * m + j];
        r[i] = s;
    }
}

/* a local array fully written before it is read in every iteration: private */
void local_array(double *restrict out, const double *restrict a, int n) {
    double tmp[8];
    (void)n;
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 8; k++)
            tmp[k] = a[i * 8 + k] * 0.5;
        double acc = 0.0;
        for (int k = 0; k < 8; k++)
            acc += tmp[k] * tmp[7 - k];
        out[i] = acc;
    }
}

int main(void) {
    int n = N;
    double *a = malloc(sizeof(double) * N * 8);
    double *b = malloc(sizeof(double) * N * 8);
    int *v = malloc(sizeof(int) * N);
    unsigned *u = malloc(sizeof(unsigned) * N);
    for (int r = 0; r < n * 8; r++)
        a[r] = (double)((r * 37) % 101) / 10.0;
    for (int r = 0; r < n; r++) {
        v[r] = (r * 53) % 1001 - 300;
        u[r] = (unsigned)(r * 2654435761u) ^ 0x5a5a5a5au;
    }
    double out[2];
    printf("sum_plus %.12g\n", sum_plus(a, n));
    printf("sum_minus %.12g\n", sum_minus(a, n));
    printf("product %.12g\n", product(a, n));
    printf("int_sum %ld\n", int_sum(v, n));
    printf("bit_and %u\n", bit_and(u, n));
    printf("bit_or %u\n", bit_or(u, n));
    printf("bit_xor %u\n", bit_xor(u, n));
    printf("all_positive %d\n", all_positive(a, n));
    printf("any_large %d\n", any_large(a, n));
    printf("max_if %.12g\n", max_if(a, n));
    printf("min_ternary %.12g\n", min_ternary(a, n));
    printf("max_fmax %.12g\n", max_fmax(a, n));
    printf("min_fmin %.12g\n", min_fmin(a, n));
    printf("max_int %d\n", max_int(v, n));
    two_sums(a, n, out);
    printf("two_sums %.12g %.12g\n", out[0], out[1]);
    private_temp(b, a, n);
    printf("private_temp %.12g\n", sum_plus(b, n));
    printf("lastprivate_temp %.12g", lastprivate_temp(b, a, n));
    printf(" %.12g\n", sum_plus(b, n));
    printf("iv_after %d", iv_after(b, n));
    printf(" %.12g\n", sum_plus(b, n));
    row_sums(b, a, n, 8);
    printf("row_sums %.12g\n", sum_plus(b, n));
    local_array(b, a, n);
    printf("local_array %.12g\n", sum_plus(b, n));
    free(a); free(b); free(v); free(u);
    return 0;
}
