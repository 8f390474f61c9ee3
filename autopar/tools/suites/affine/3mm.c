/* 3mm: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
static double A[N][N], B[N][N], C[N][N], D[N][N], E[N][N], F[N][N], G[N][N];

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

/* E = A * B, F = C * D, G = E * F */
void kernel_three_mm(int n) {
  int i, j, k;
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      E[i][j] = 0.0;
      for (k = 0; k < n; k++)
        E[i][j] += A[i][k] * B[k][j];
    }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      F[i][j] = 0.0;
      for (k = 0; k < n; k++)
        F[i][j] += C[i][k] * D[k][j];
    }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      G[i][j] = 0.0;
      for (k = 0; k < n; k++)
        G[i][j] += E[i][k] * F[k][j];
    }
}

int main(void) {
    seed_random(27);
    fill2(&A[0][0], N, N); fill2(&B[0][0], N, N); fill2(&C[0][0], N, N); fill2(&D[0][0], N, N);
    double start = now_seconds();
    kernel_three_mm(N);
    double elapsed = now_seconds() - start;
    printf("kernel 3mm\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum2(&G[0][0], N, N));
    return 0;
}
