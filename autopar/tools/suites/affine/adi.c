/* adi: an affine kernel of the restructuring suite, written as PolyBench writes it: heap arrays
 * passed as parameters with declared extents (plain serial C). Alternating-direction implicit
 * steps: a column sweep and a row sweep, each a recurrence along j for every i. */
#include "harness.h"
#include <math.h>
#include <stdlib.h>

#ifndef N
#define N 64
#endif
#ifndef TSTEPS
#define TSTEPS 4
#endif

static double sum(const double *m, long count) {
    double s = 0.0;
    for (long i = 0; i < count; i++)
        s += m[i] * (double)(i % 13 + 1);
    return s;
}

static void kernel_adi(int tsteps, int n, double u[N][N], double v[N][N], double p[N][N], double q[N][N]) {
  int t, i, j;
  double DX, DY, DT;
  double B1, B2;
  double mul1, mul2;
  double a, b, c, d, e, f;

  DX = 1.0 / (double)n;
  DY = 1.0 / (double)n;
  DT = 1.0 / (double)tsteps;
  B1 = 2.0;
  B2 = 1.0;
  mul1 = B1 * DT / (DX * DX);
  mul2 = B2 * DT / (DY * DY);
  a = -mul1 / 2.0;
  b = 1.0 + mul1;
  c = a;
  d = -mul2 / 2.0;
  e = 1.0 + mul2;
  f = d;

  for (t = 1; t <= tsteps; t++) {
    /* column sweep */
    for (i = 1; i < n - 1; i++) {
      v[0][i] = 1.0;
      p[i][0] = 0.0;
      q[i][0] = v[0][i];
      for (j = 1; j < n - 1; j++) {
        p[i][j] = -c / (a * p[i][j - 1] + b);
        q[i][j] = (-d * u[j][i - 1] + (1.0 + 2.0 * d) * u[j][i] - f * u[j][i + 1] - a * q[i][j - 1]) /
                  (a * p[i][j - 1] + b);
      }
      v[n - 1][i] = 1.0;
      for (j = n - 2; j >= 1; j--)
        v[j][i] = p[i][j] * v[j + 1][i] + q[i][j];
    }
    /* row sweep */
    for (i = 1; i < n - 1; i++) {
      u[i][0] = 1.0;
      p[i][0] = 0.0;
      q[i][0] = u[i][0];
      for (j = 1; j < n - 1; j++) {
        p[i][j] = -f / (d * p[i][j - 1] + e);
        q[i][j] = (-a * v[i - 1][j] + (1.0 + 2.0 * a) * v[i][j] - c * v[i + 1][j] - d * q[i][j - 1]) /
                  (d * p[i][j - 1] + e);
      }
      u[i][n - 1] = 1.0;
      for (j = n - 2; j >= 1; j--)
        u[i][j] = p[i][j] * u[i][j + 1] + q[i][j];
    }
  }
}

int main(void) {
    double (*u)[N][N] = malloc(sizeof(double[N][N])), (*v)[N][N] = malloc(sizeof(double[N][N]));
    double (*p)[N][N] = malloc(sizeof(double[N][N])), (*q)[N][N] = malloc(sizeof(double[N][N]));
    if (!u || !v || !p || !q)
        return 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            (*u)[i][j] = (double)(i + N - j) / N;
            (*v)[i][j] = (*p)[i][j] = (*q)[i][j] = 0.0;
        }
    double start = now_seconds();
    kernel_adi(TSTEPS, N, *u, *v, *p, *q);
    double elapsed = now_seconds() - start;
    printf("kernel adi\n");
    printf("size N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, sum(&(*u)[0][0], (long)N * N));
    free(u); free(v); free(p); free(q);
    return 0;
}
