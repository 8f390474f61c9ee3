/* mvt: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
static double A[N][N], x1[N], x2[N], y1[N], y2[N];

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

void kernel_mvt(int n) {
  int i, j, r;
  for (r = 0; r < 10; r++) {
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++)
        x1[i] = x1[i] + A[i][j] * y1[j];
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++)
        x2[i] = x2[i] + A[j][i] * y2[j];
  }
}

int main(void) {
    seed_random(26);
    fill2(&A[0][0], N, N); fill2(x1, 1, N); fill2(x2, 1, N); fill2(y1, 1, N); fill2(y2, 1, N);
    double start = now_seconds();
    kernel_mvt(N);
    double elapsed = now_seconds() - start;
    printf("kernel mvt\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum2(x1, 1, N) + sum2(x2, 1, N));
    return 0;
}
