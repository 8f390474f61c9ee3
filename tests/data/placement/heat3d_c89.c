/* kernel_heat_3d has external linkage: callers in other files may pass overlapping arrays */
#include <stdio.h>
#define N 40
#define TSTEPS 20
#define _PB_N n
void kernel_heat_3d(int tsteps, int n, double A[N][N][N], double B[N][N][N]) {
    int t, i, j, k;
    for (t = 1; t <= TSTEPS; t++) {
        for (i = 1; i < _PB_N-1; i++) {
            for (j = 1; j < _PB_N-1; j++) {
                for (k = 1; k < _PB_N-1; k++) {
                    B[i][j][k] = 0.125 * (A[i+1][j][k] - 2.0 * A[i][j][k] + A[i-1][j][k])
                               + 0.125 * (A[i][j+1][k] - 2.0 * A[i][j][k] + A[i][j-1][k])
                               + 0.125 * (A[i][j][k+1] - 2.0 * A[i][j][k] + A[i][j][k-1]) + A[i][j][k];
                }
            }
        }
        for (i = 1; i < _PB_N-1; i++) {
            for (j = 1; j < _PB_N-1; j++) {
                for (k = 1; k < _PB_N-1; k++) {
                    A[i][j][k] = 0.125 * (B[i+1][j][k] - 2.0 * B[i][j][k] + B[i-1][j][k])
                               + 0.125 * (B[i][j+1][k] - 2.0 * B[i][j][k] + B[i][j-1][k])
                               + 0.125 * (B[i][j][k+1] - 2.0 * B[i][j][k] + B[i][j][k-1]) + B[i][j][k];
                }
            }
        }
    }
}
static double A[N][N][N], B[N][N][N];
int main(void) {
    kernel_heat_3d(TSTEPS, N, A, B);
    printf("%g\n", A[1][1][1]);
    return 0;
}
