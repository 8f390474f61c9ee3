/* gramschmidt: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef M
#define M 64
#endif
#if N < M
#error "gramschmidt needs N >= M (a tall matrix)"
#endif
static double A[N][M], R[M][M], Q[N][M];

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

/* columns well apart: a tall matrix (rows >= cols) whose leading square's diagonal is raised */
static void well_conditioned(double *m, int cols) {
    for (int i = 0; i < cols; i++)
        m[i * cols + i] += (double)cols;
}

/* modified Gram-Schmidt on the n x m matrix A (n >= m): A = Q R, Q's columns orthonormal, R upper
 * triangular; each column is normalized, then projected out of the columns after it */
void kernel_gramschmidt(int n, int m) {
  int i, j, k;
  for (k = 0; k < m; k++) {
    R[k][k] = 0.0;
    for (i = 0; i < n; i++)
      R[k][k] += A[i][k] * A[i][k];
    R[k][k] = sqrt(R[k][k]);
    for (i = 0; i < n; i++)
      Q[i][k] = A[i][k] / R[k][k];
    for (j = k + 1; j < m; j++) {
      R[k][j] = 0.0;
      for (i = 0; i < n; i++)
        R[k][j] += Q[i][k] * A[i][j];
      for (i = 0; i < n; i++)
        A[i][j] -= Q[i][k] * R[k][j];
    }
  }
}

int main(void) {
    seed_random(31);
    fill2(&A[0][0], N, M); well_conditioned(&A[0][0], M);
    double start = now_seconds();
    kernel_gramschmidt(N, M);
    double elapsed = now_seconds() - start;
    printf("kernel gramschmidt\n");
    printf("size N=%d M=%d\n", N, M);
    print_result(elapsed, sum2(&R[0][0], M, M) + sum2(&Q[0][0], N, M));
    return 0;
}
