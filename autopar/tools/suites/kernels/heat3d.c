/* A 3-D heat equation, old-C style: counters declared at the top of the function, array parameters
 * with declared extents, a time loop around two sweeps (each computes one grid from the other). */
#include "harness.h"

#ifndef N
#define N 64
#endif
#ifndef TSTEPS
#define TSTEPS 20
#endif

static void kernel_heat_3d(int tsteps, int n, double A[N][N][N], double B[N][N][N]) {
    int t, i, j, k;
    for (t = 1; t <= tsteps; t++) {
        for (i = 1; i < n - 1; i++)
            for (j = 1; j < n - 1; j++)
                for (k = 1; k < n - 1; k++)
                    B[i][j][k] = 0.125 * (A[i + 1][j][k] - 2.0 * A[i][j][k] + A[i - 1][j][k])
                               + 0.125 * (A[i][j + 1][k] - 2.0 * A[i][j][k] + A[i][j - 1][k])
                               + 0.125 * (A[i][j][k + 1] - 2.0 * A[i][j][k] + A[i][j][k - 1]) + A[i][j][k];
        for (i = 1; i < n - 1; i++)
            for (j = 1; j < n - 1; j++)
                for (k = 1; k < n - 1; k++)
                    A[i][j][k] = 0.125 * (B[i + 1][j][k] - 2.0 * B[i][j][k] + B[i - 1][j][k])
                               + 0.125 * (B[i][j + 1][k] - 2.0 * B[i][j][k] + B[i][j - 1][k])
                               + 0.125 * (B[i][j][k + 1] - 2.0 * B[i][j][k] + B[i][j][k - 1]) + B[i][j][k];
    }
}

static double A[N][N][N], B[N][N][N];

int main(void) {
    int i, j, k;
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            for (k = 0; k < N; k++)
                A[i][j][k] = B[i][j][k] = (double)(i + j + (N - k)) * 10 / N;
    double start = now_seconds();
    kernel_heat_3d(TSTEPS, N, A, B);
    double elapsed = now_seconds() - start;
    double checksum = 0.0;
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            for (k = 0; k < N; k++)
                checksum += A[i][j][k] * (double)((i + 2 * j + 3 * k) % 7 + 1);
    printf("kernel heat3d\nsize N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, checksum);
    return 0;
}
