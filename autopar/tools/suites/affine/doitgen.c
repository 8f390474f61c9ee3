/* doitgen: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
#ifndef M
#define M 64
#endif
static double A[N][N][M], C4[M][M], sum[M];

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

/* multiresolution kernel: every vector A[r][q][.] multiplied by C4 (through the scratch row sum)
 * and written back in place */
void kernel_doitgen(int n, int m) {
  int r, q, p, s;
  for (r = 0; r < n; r++)
    for (q = 0; q < n; q++) {
      for (p = 0; p < m; p++) {
        sum[p] = 0.0;
        for (s = 0; s < m; s++)
          sum[p] += A[r][q][s] * C4[s][p];
      }
      for (p = 0; p < m; p++)
        A[r][q][p] = sum[p];
    }
}

int main(void) {
    seed_random(34);
    fill2(&A[0][0][0], N * N, M); fill2(&C4[0][0], M, M);
    double start = now_seconds();
    kernel_doitgen(N, M);
    double elapsed = now_seconds() - start;
    printf("kernel doitgen\n");
    printf("size N=%d M=%d\n", N, M);
    print_result(elapsed, sum2(&A[0][0][0], N * N, M));
    return 0;
}
