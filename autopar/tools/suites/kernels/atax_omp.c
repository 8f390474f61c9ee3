/* The hand-written OpenMP version of atax.c. y = A^T (A x): a matrix-vector product and a transposed one, on a flat row-major matrix. */
#include "harness.h"

#ifndef M
#define M 2000
#endif
#ifndef NCOLS
#define NCOLS 2000
#endif
#ifndef REPS
#define REPS 10
#endif

static void atax(int m, int n, const double *restrict a, const double *restrict x, double *restrict y,
                 double *restrict tmp) {
    for (int j = 0; j < n; j++)
        y[j] = 0.0;
    #pragma omp parallel for
    for (int i = 0; i < m; i++) {
        double s = 0.0;
        for (int j = 0; j < n; j++)
            s += a[i * n + j] * x[j];
        tmp[i] = s;
    }
    #pragma omp parallel for
    for (int j = 0; j < n; j++) {
        double s = 0.0;
        for (int i = 0; i < m; i++)
            s += a[i * n + j] * tmp[i];
        y[j] = s;
    }
}

int main(void) {
    seed_random(11);
    double *a = malloc(sizeof(double) * (size_t)M * NCOLS), *x = malloc(sizeof(double) * NCOLS);
    double *y = malloc(sizeof(double) * NCOLS), *tmp = malloc(sizeof(double) * M);
    if (!a || !x || !y || !tmp)
        return 1;
    for (long i = 0; i < (long)M * NCOLS; i++)
        a[i] = random_double() - 0.5;
    for (int j = 0; j < NCOLS; j++)
        x[j] = random_double();
    double start = now_seconds();
    for (int r = 0; r < REPS; r++) {
        atax(M, NCOLS, a, x, y, tmp);
        x[r % NCOLS] += y[r % NCOLS] * 1e-6;
    }
    double elapsed = now_seconds() - start;
    double checksum = 0.0;
    for (int j = 0; j < NCOLS; j++)
        checksum += y[j] * (double)(j % 7 + 1);
    printf("kernel atax\nsize M=%d NCOLS=%d REPS=%d\n", M, NCOLS, REPS);
    print_result(elapsed, checksum);
    free(a); free(x); free(y); free(tmp);
    return 0;
}
