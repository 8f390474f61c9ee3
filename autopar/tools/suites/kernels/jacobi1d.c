/* 1-D Jacobi: a time loop around a three-point sweep and its copy-back. At the tiny size the whole
 * run takes well under a millisecond, where a parallel region costs more than it saves. */
#include "harness.h"

#ifndef N
#define N 400000
#endif
#ifndef TSTEPS
#define TSTEPS 100
#endif

static void jacobi_1d(int tsteps, int n, double *restrict a, double *restrict b) {
    for (int t = 0; t < tsteps; t++) {
        for (int i = 1; i < n - 1; i++)
            b[i] = 0.33333 * (a[i - 1] + a[i] + a[i + 1]);
        for (int i = 1; i < n - 1; i++)
            a[i] = 0.33333 * (b[i - 1] + b[i] + b[i + 1]);
    }
}

int main(void) {
    double *a = malloc(sizeof(double) * N), *b = malloc(sizeof(double) * N);
    if (!a || !b)
        return 1;
    for (int i = 0; i < N; i++) {
        a[i] = ((double)i + 2) / N;
        b[i] = ((double)i + 3) / N;
    }
    double start = now_seconds();
    jacobi_1d(TSTEPS, N, a, b);
    double elapsed = now_seconds() - start;
    double checksum = 0.0;
    for (int i = 0; i < N; i++)
        checksum += a[i] * (double)(i % 13 + 1);
    printf("kernel jacobi1d\nsize N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, checksum);
    free(a);
    free(b);
    return 0;
}
