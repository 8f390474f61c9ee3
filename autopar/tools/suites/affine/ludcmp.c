/* ludcmp: an affine kernel of the restructuring suite, written as PolyBench writes it: heap arrays
 * passed as parameters with declared extents (plain serial C). LU decomposition without pivoting
 * (the matrix is diagonally dominant), then forward and back substitution. */
#include "harness.h"
#include <math.h>
#include <stdlib.h>

#ifndef N
#define N 64
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

static void kernel_ludcmp(int n, double A[N][N], double b[N], double x[N], double y[N]) {
  int i, j, k;
  double w;
  for (i = 0; i < n; i++) {
    for (j = 0; j < i; j++) {
      w = A[i][j];
      for (k = 0; k < j; k++)
        w -= A[i][k] * A[k][j];
      A[i][j] = w / A[j][j];
    }
    for (j = i; j < n; j++) {
      w = A[i][j];
      for (k = 0; k < i; k++)
        w -= A[i][k] * A[k][j];
      A[i][j] = w;
    }
  }
  for (i = 0; i < n; i++) {
    w = b[i];
    for (j = 0; j < i; j++)
      w -= A[i][j] * y[j];
    y[i] = w;
  }
  for (i = n - 1; i >= 0; i--) {
    w = y[i];
    for (j = i + 1; j < n; j++)
      w -= A[i][j] * x[j];
    x[i] = w / A[i][i];
  }
}

int main(void) {
    seed_random(44);
    double (*A)[N][N] = malloc(sizeof(double[N][N]));
    double (*b)[N] = malloc(sizeof(double[N])), (*x)[N] = malloc(sizeof(double[N])), (*y)[N] = malloc(sizeof(double[N]));
    if (!A || !b || !x || !y)
        return 1;
    fill(&(*A)[0][0], (long)N * N); fill(*b, N); fill(*x, N); fill(*y, N);
    for (int i = 0; i < N; i++)
        (*A)[i][i] += (double)N;
    double start = now_seconds();
    kernel_ludcmp(N, *A, *b, *x, *y);
    double elapsed = now_seconds() - start;
    printf("kernel ludcmp\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum(*x, N) * (double)N + sum(&(*A)[0][0], (long)N * N) / (double)N);
    free(A); free(b); free(x); free(y);
    return 0;
}
