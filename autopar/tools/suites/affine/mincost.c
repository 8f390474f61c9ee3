/* mincost: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
static double W[N][N], D[N][N];

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

static void positive(double *m, int count) {
    for (int i = 0; i < count; i++)
        m[i] += 1.0;
}

void kernel_mincost(int n) {
  int i, j;
  for (i = 1; i < n; i++)
    for (j = 1; j < n; j++)
      D[i][j] = fmin(D[i - 1][j], D[i][j - 1]) + W[i][j];
}

int main(void) {
    seed_random(25);
    fill2(&W[0][0], N, N); positive(&W[0][0], N * N); fill2(&D[0][0], N, N); positive(&D[0][0], N * N);
    double start = now_seconds();
    kernel_mincost(N);
    double elapsed = now_seconds() - start;
    printf("kernel mincost\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum2(&D[0][0], N, N));
    return 0;
}
