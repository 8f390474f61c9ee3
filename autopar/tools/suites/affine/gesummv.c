/* gesummv: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef TSTEPS
#define TSTEPS 10
#endif
static double A[N][N], B[N][N], x[N], y[N], ax[N], bx[N];

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

/* y += alpha A x + beta B x, tsteps times; both products in one sweep over the rows */
void kernel_gesummv(int tsteps, int n, double alpha, double beta) {
  int t, i, j;
  for (t = 0; t < tsteps; t++)
    for (i = 0; i < n; i++) {
      ax[i] = 0.0;
      bx[i] = 0.0;
      for (j = 0; j < n; j++) {
        ax[i] += A[i][j] * x[j];
        bx[i] += B[i][j] * x[j];
      }
      y[i] += alpha * ax[i] + beta * bx[i];
    }
}

int main(void) {
    seed_random(30);
    fill2(&A[0][0], N, N); fill2(&B[0][0], N, N); fill2(x, 1, N); fill2(y, 1, N);
    double start = now_seconds();
    kernel_gesummv(TSTEPS, N, 1.5, 1.2);
    double elapsed = now_seconds() - start;
    printf("kernel gesummv\n");
    printf("size N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, sum2(y, 1, N));
    return 0;
}
