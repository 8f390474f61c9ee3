/* symm: an affine kernel of the restructuring suite, written as PolyBench writes it: heap arrays
 * passed as parameters with declared extents (plain serial C). */
#include "harness.h"
#include <math.h>
#include <stdlib.h>

#ifndef M
#define M 48
#endif
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

/* C = alpha A B + beta C with A symmetric, only its lower half stored */
static void kernel_symm(int m, int n, double alpha, double beta, double C[M][N], double A[M][M], double B[M][N]) {
  int i, j, k;
  double temp2;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) {
      temp2 = 0;
      for (k = 0; k < i; k++) {
        C[k][j] += alpha * B[i][j] * A[i][k];
        temp2 += B[k][j] * A[i][k];
      }
      C[i][j] = beta * C[i][j] + alpha * B[i][j] * A[i][i] + alpha * temp2;
    }
}

int main(void) {
    seed_random(42);
    double (*C)[M][N] = malloc(sizeof(double[M][N])), (*A)[M][M] = malloc(sizeof(double[M][M]));
    double (*B)[M][N] = malloc(sizeof(double[M][N]));
    if (!A || !B || !C)
        return 1;
    fill(&(*C)[0][0], (long)M * N); fill(&(*A)[0][0], (long)M * M); fill(&(*B)[0][0], (long)M * N);
    double start = now_seconds();
    kernel_symm(M, N, 1.5, 1.2, *C, *A, *B);
    double elapsed = now_seconds() - start;
    printf("kernel symm\n");
    printf("size M=%d N=%d\n", M, N);
    print_result(elapsed, sum(&(*C)[0][0], (long)M * N));
    free(A); free(B); free(C);
    return 0;
}
