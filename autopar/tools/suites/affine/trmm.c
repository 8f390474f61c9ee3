/* trmm: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef M
#define M 64
#endif
static double A[M][M], B[M][N];

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

void kernel_trmm(int m, int n, double alpha) {
  int i, j, k;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) {
      for (k = i + 1; k < m; k++)
        B[i][j] += A[k][i] * B[k][j];
      B[i][j] = alpha * B[i][j];
    }
}

int main(void) {
    seed_random(15);
    fill2(&A[0][0], M, M); fill2(&B[0][0], M, N);
    double start = now_seconds();
    kernel_trmm(M, N, 1.5);
    double elapsed = now_seconds() - start;
    printf("kernel trmm\n");
    printf("size N=%d M=%d\n", N, M);
    print_result(elapsed, sum2(&B[0][0], M, N));
    return 0;
}
