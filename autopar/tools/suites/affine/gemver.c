/* gemver: an affine kernel of the restructuring suite, written as PolyBench writes it: heap arrays
 * passed as parameters with declared extents (plain serial C). */
#include "harness.h"
#include <math.h>
#include <stdlib.h>

#ifndef N
#define N 64
#endif
#ifndef TSTEPS
#define TSTEPS 1
#endif

static void fill(double *m, long count) {
    for (long i = 0; i < count; i++)
        m[i] = random_double() - 0.5;
}

static double sum(const double *m, long count) {
    double s = 0.0;
    for (long i = 0; i < count; i++)
        s += m[i] * (double)(i % 13 + 1);
    return s;
}

/* A = A + u1 v1' + u2 v2'; x = x + beta A' y + z; w = w + alpha A x */
static void kernel_gemver(int n, double alpha, double beta, double A[N][N], double u1[N], double v1[N],
                          double u2[N], double v2[N], double w[N], double x[N], double y[N], double z[N]) {
  int i, j;
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      A[i][j] = A[i][j] + u1[i] * v1[j] + u2[i] * v2[j];
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      x[i] = x[i] + beta * A[j][i] * y[j];
  for (i = 0; i < n; i++)
    x[i] = x[i] + z[i];
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      w[i] = w[i] + alpha * A[i][j] * x[j];
}

int main(void) {
    seed_random(41);
    double (*A)[N][N] = malloc(sizeof(double[N][N]));
    double (*u1)[N] = malloc(sizeof(double[N])), (*v1)[N] = malloc(sizeof(double[N]));
    double (*u2)[N] = malloc(sizeof(double[N])), (*v2)[N] = malloc(sizeof(double[N]));
    double (*w)[N] = malloc(sizeof(double[N])), (*x)[N] = malloc(sizeof(double[N]));
    double (*y)[N] = malloc(sizeof(double[N])), (*z)[N] = malloc(sizeof(double[N]));
    if (!A || !u1 || !v1 || !u2 || !v2 || !w || !x || !y || !z)
        return 1;
    fill(&(*A)[0][0], (long)N * N); fill(*u1, N); fill(*v1, N); fill(*u2, N); fill(*v2, N);
    fill(*w, N); fill(*x, N); fill(*y, N); fill(*z, N);
    double start = now_seconds();
    for (int t = 0; t < TSTEPS; t++)
        kernel_gemver(N, 1.5, 1.2, *A, *u1, *v1, *u2, *v2, *w, *x, *y, *z);
    double elapsed = now_seconds() - start;
    printf("kernel gemver\n");
    printf("size N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, sum(*w, N) + sum(*x, N));
    free(A); free(u1); free(v1); free(u2); free(v2); free(w); free(x); free(y); free(z);
    return 0;
}
