/* syr2k: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef M
#define M 64
#endif
static double A[N][M], B[N][M], C[N][N];

static void fill2(double *m, int rows, int cols) {
    for (int i = 0; i < rows * cols; i++)
        m[i] = random_double() - 0.5;
}

static double sum2(const double *m, int rows, int cols) {
    double s = 0.0;
    for (int i = 0; i < rows * cols; i++)
        s += m[i] * (double)(i % 13 + 1);
    return s;
}

void kernel_syr2k(int n, int m, double alpha, double beta) {
  int i, j, k;
  for (i = 0; i < n; i++) {
    for (j = 0; j <= i; j++)
      C[i][j] *= beta;
    for (k = 0; k < m; k++)
      for (j = 0; j <= i; j++)
        C[i][j] += A[j][k] * alpha * B[i][k] + B[j][k] * alpha * A[i][k];
  }
}

int main(void) {
    seed_random(14);
    fill2(&A[0][0], N, M); fill2(&B[0][0], N, M); fill2(&C[0][0], N, N);
    double start = now_seconds();
    kernel_syr2k(N, M, 1.5, 1.2);
    double elapsed = now_seconds() - start;
    printf("kernel syr2k\n");
    printf("size N=%d M=%d\n", N, M);
    print_result(elapsed, sum2(&C[0][0], N, N));
    return 0;
}
