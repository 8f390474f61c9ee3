/* trisolv: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef TSTEPS
#define TSTEPS 10
#endif
static double L[N][N], b[N], x[N];

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

/* forward substitution: L x = b with L lower triangular (only its lower half is read); tsteps
 * solves, each adding its solution to the right-hand side of the next */
void kernel_trisolv(int tsteps, int n) {
  int t, i, j;
  for (t = 0; t < tsteps; t++) {
    for (i = 0; i < n; i++) {
      x[i] = b[i];
      for (j = 0; j < i; j++)
        x[i] -= L[i][j] * x[j];
      x[i] = x[i] / L[i][i];
    }
    for (i = 0; i < n; i++)
      b[i] += x[i];
  }
}

int main(void) {
    seed_random(33);
    fill2(&L[0][0], N, N); dominant(&L[0][0], N); fill2(b, 1, N);
    double start = now_seconds();
    kernel_trisolv(TSTEPS, N);
    double elapsed = now_seconds() - start;
    printf("kernel trisolv\n");
    printf("size N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, sum2(x, 1, N) * (double)N);
    return 0;
}
