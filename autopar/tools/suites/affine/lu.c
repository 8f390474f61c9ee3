/* lu: an affine kernel of the restructuring suite (plain serial C). */
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

static void dominant(double *m, int n) {
    for (int i = 0; i < n; i++)
        m[i * n + i] += (double)n;
}

void kernel_lu(int n) {
  int i, j, k;
  for (k = 0; k < n; k++) {
    for (j = k + 1; j < n; j++)
      A[k][j] = A[k][j] / A[k][k];
    for (i = k + 1; i < n; i++)
      for (j = k + 1; j < n; j++)
        A[i][j] -= A[i][k] * A[k][j];
  }
}

int main(void) {
    seed_random(18);
    fill2(&A[0][0], N, N); dominant(&A[0][0], N);
    double start = now_seconds();
    kernel_lu(N);
    double elapsed = now_seconds() - start;
    printf("kernel lu\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum2(&A[0][0], N, N));
    return 0;
}
