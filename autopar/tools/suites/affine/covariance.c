/* covariance: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef M
#define M 64
#endif
static double data[N][M], cov[M][M], mean[M];

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

void kernel_covariance(int m, int n, double float_n) {
  int i, j, k;
  for (j = 0; j < m; j++) {
    mean[j] = 0.0;
    for (i = 0; i < n; i++)
      mean[j] += data[i][j];
    mean[j] /= float_n;
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < m; j++)
      data[i][j] -= mean[j];
  for (i = 0; i < m; i++)
    for (j = i; j < m; j++) {
      cov[i][j] = 0.0;
      for (k = 0; k < n; k++)
        cov[i][j] += data[k][i] * data[k][j];
      cov[i][j] /= (float_n - 1.0);
      cov[j][i] = cov[i][j];
    }
}

int main(void) {
    seed_random(16);
    fill2(&data[0][0], N, M);
    double start = now_seconds();
    kernel_covariance(M, N, (double)N);
    double elapsed = now_seconds() - start;
    printf("kernel covariance\n");
    printf("size N=%d M=%d\n", N, M);
    print_result(elapsed, sum2(&cov[0][0], M, M));
    return 0;
}
