/* durbin: an affine kernel of the restructuring suite, written as PolyBench writes it: heap arrays
 * passed as parameters with declared extents (plain serial C). Levinson-Durbin recursion: each step's
 * loops are short, and the steps depend on each other. */
#include "harness.h"
#include <math.h>
#include <stdlib.h>

#ifndef N
#define N 64
#endif
#ifndef TSTEPS
#define TSTEPS 1
#endif

static double sum(const double *m, long count) {
    double s = 0.0;
    for (long i = 0; i < count; i++)
        s += m[i] * (double)(i % 13 + 1);
    return s;
}

static void kernel_durbin(int n, double r[N], double y[N]) {
  double z[N];
  double alpha, beta, total;
  int i, k;
  y[0] = -r[0];
  beta = 1.0;
  alpha = -r[0];
  for (k = 1; k < n; k++) {
    beta = (1 - alpha * alpha) * beta;
    total = 0.0;
    for (i = 0; i < k; i++)
      total += r[k - i - 1] * y[i];
    alpha = -(r[k] + total) / beta;
    for (i = 0; i < k; i++)
      z[i] = y[i] + alpha * y[k - i - 1];
    for (i = 0; i < k; i++)
      y[i] = z[i];
    y[k] = alpha;
  }
}

int main(void) {
    seed_random(43);
    double (*r)[N] = malloc(sizeof(double[N])), (*y)[N] = malloc(sizeof(double[N]));
    if (!r || !y)
        return 1;
    for (int i = 0; i < N; i++)  /* a decaying sequence keeps the recursion stable */
        (*r)[i] = (random_double() - 0.5) / (double)(i + 2);
    double start = now_seconds();
    for (int t = 0; t < TSTEPS; t++)
        kernel_durbin(N, *r, *y);
    double elapsed = now_seconds() - start;
    printf("kernel durbin\n");
    printf("size N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, sum(*y, N));
    free(r); free(y);
    return 0;
}
