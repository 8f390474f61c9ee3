/* bicg: an affine kernel of the restructuring suite (plain serial C). */
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
static double A[N][M], r[N], p[M], s[M], q[N];

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

/* the two products of BiCG in one sweep over A, tsteps times: s += r^T A and q += A p */
void kernel_bicg(int tsteps, int n, int m) {
  int t, i, j;
  for (t = 0; t < tsteps; t++)
    for (i = 0; i < n; i++)
      for (j = 0; j < m; j++) {
        s[j] += r[i] * A[i][j];
        q[i] += A[i][j] * p[j];
      }
}

int main(void) {
    seed_random(29);
    fill2(&A[0][0], N, M); fill2(r, 1, N); fill2(p, 1, M); fill2(s, 1, M); fill2(q, 1, N);
    double start = now_seconds();
    kernel_bicg(TSTEPS, N, M);
    double elapsed = now_seconds() - start;
    printf("kernel bicg\n");
    printf("size N=%d M=%d TSTEPS=%d\n", N, M, TSTEPS);
    print_result(elapsed, sum2(s, 1, M) + sum2(q, 1, N));
    return 0;
}
