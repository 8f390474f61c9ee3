/* 2mm: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
static double A[N][N], B[N][N], C[N][N], D[N][N], T[N][N];

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

void kernel_two_mm(int n, double alpha, double beta) {
  int i, j, k;
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      T[i][j] = 0.0;
      for (k = 0; k < n; k++)
        T[i][j] += alpha * A[i][k] * B[k][j];
    }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      D[i][j] *= beta;
      for (k = 0; k < n; k++)
        D[i][j] += T[i][k] * C[k][j];
    }
}

int main(void) {
    seed_random(12);
    fill2(&A[0][0], N, N); fill2(&B[0][0], N, N); fill2(&C[0][0], N, N); fill2(&D[0][0], N, N);
    double start = now_seconds();
    kernel_two_mm(N, 1.5, 1.2);
    double elapsed = now_seconds() - start;
    printf("kernel 2mm\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum2(&D[0][0], N, N));
    return 0;
}
