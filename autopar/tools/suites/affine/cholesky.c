/* cholesky: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
static double A[N][N];

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

static void symmetric(double *m, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double v = random_double() - 0.5;
            m[i * n + j] = v;
            m[j * n + i] = v;
        }
    for (int i = 0; i < n; i++)
        m[i * n + i] += (double)n;
}

static double sum_lower(const double *m, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            s += m[i * n + j] * (double)((i + j) % 13 + 1);
    return s;
}

void kernel_cholesky(int n) {
  int i, j, k;
  for (i = 0; i < n; i++) {
    for (j = 0; j < i; j++) {
      for (k = 0; k < j; k++)
        A[i][j] -= A[i][k] * A[j][k];
      A[i][j] /= A[j][j];
    }
    for (k = 0; k < i; k++)
      A[i][i] -= A[i][k] * A[i][k];
    A[i][i] = sqrt(A[i][i]);
  }
}

int main(void) {
    seed_random(19);
    symmetric(&A[0][0], N);
    double start = now_seconds();
    kernel_cholesky(N);
    double elapsed = now_seconds() - start;
    printf("kernel cholesky\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum_lower(&A[0][0], N));
    return 0;
}
