/* atax: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef M
#define M 64
#endif
#ifndef TSTEPS
#define TSTEPS 10
#endif
static double A[M][N], x[N], y[N], tmp[M];

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

/* y += A^T (A x), tsteps times: tmp = A x row by row, each row of A then scaled into y */
void kernel_atax(int tsteps, int m, int n) {
  int t, i, j;
  for (t = 0; t < tsteps; t++)
    for (i = 0; i < m; i++) {
      tmp[i] = 0.0;
      for (j = 0; j < n; j++)
        tmp[i] += A[i][j] * x[j];
      for (j = 0; j < n; j++)
        y[j] += A[i][j] * tmp[i];
    }
}

int main(void) {
    seed_random(28);
    fill2(&A[0][0], M, N); fill2(x, 1, N); fill2(y, 1, N);
    double start = now_seconds();
    kernel_atax(TSTEPS, M, N);
    double elapsed = now_seconds() - start;
    printf("kernel atax\n");
    printf("size N=%d M=%d TSTEPS=%d\n", N, M, TSTEPS);
    print_result(elapsed, sum2(y, 1, N));
    return 0;
}
