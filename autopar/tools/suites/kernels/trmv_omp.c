/* The hand-written OpenMP version of trmv.c: rows handed out dynamically in chunks of 16. A lower-triangular matrix-vector product x = L b, repeated: row i does i + 1 multiplications, so
 * the work of an iteration grows with it. */
#include "harness.h"

#ifndef N
#define N 3000
#endif
#ifndef REPS
#define REPS 10
#endif

static void trmv(int n, const double *restrict l, const double *restrict b, double *restrict x) {
    #pragma omp parallel for schedule(dynamic, 16)
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j <= i; j++)
            s += l[i * n + j] * b[j];
        x[i] = s;
    }
}

int main(void) {
    seed_random(13);
    double *l = malloc(sizeof(double) * (size_t)N * N), *b = malloc(sizeof(double) * N);
    double *x = malloc(sizeof(double) * N);
    if (!l || !b || !x)
        return 1;
    for (long i = 0; i < (long)N * N; i++)
        l[i] = random_double() - 0.5;
    for (int j = 0; j < N; j++)
        b[j] = random_double();
    double start = now_seconds();
    for (int r = 0; r < REPS; r++) {
        trmv(N, l, b, x);
        b[r % N] += x[(r * 3) % N] * 1e-6;
    }
    double elapsed = now_seconds() - start;
    double checksum = 0.0;
    for (int i = 0; i < N; i++)
        checksum += x[i] * (double)(i % 9 + 1);
    printf("kernel trmv\nsize N=%d REPS=%d\n", N, REPS);
    print_result(elapsed, checksum);
    free(l); free(b); free(x);
    return 0;
}
