/* fdtd2d: an affine kernel of the restructuring suite (plain serial C). */
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
static double ex[N][M], ey[N][M], hz[N][M], source[TSTEPS];

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

/* 2-D finite differences in time (Yee grid): the electric fields ey and ex from the differences of
 * hz, row 0 of ey driven by the source of step t, then hz from the new fields (stable steps) */
void kernel_fdtd2d(int tsteps, int n, int m) {
  int t, i, j;
  for (t = 0; t < tsteps; t++) {
    for (j = 0; j < m; j++)
      ey[0][j] = source[t];
    for (i = 1; i < n; i++)
      for (j = 0; j < m; j++)
        ey[i][j] = ey[i][j] - 0.5 * (hz[i][j] - hz[i - 1][j]);
    for (i = 0; i < n; i++)
      for (j = 1; j < m; j++)
        ex[i][j] = ex[i][j] - 0.5 * (hz[i][j] - hz[i][j - 1]);
    for (i = 0; i < n - 1; i++)
      for (j = 0; j < m - 1; j++)
        hz[i][j] = hz[i][j] - 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
  }
}

int main(void) {
    seed_random(32);
    fill2(&ex[0][0], N, M); fill2(&ey[0][0], N, M); fill2(&hz[0][0], N, M); fill2(source, 1, TSTEPS);
    double start = now_seconds();
    kernel_fdtd2d(TSTEPS, N, M);
    double elapsed = now_seconds() - start;
    printf("kernel fdtd2d\n");
    printf("size N=%d M=%d TSTEPS=%d\n", N, M, TSTEPS);
    print_result(elapsed, sum2(&hz[0][0], N, M) + sum2(&ex[0][0], N, M) + sum2(&ey[0][0], N, M));
    return 0;
}
