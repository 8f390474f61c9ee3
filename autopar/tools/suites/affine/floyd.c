/* floyd: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 64
#endif
static double path[N][N];

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

void kernel_floyd(int n) {
  int i, j, k;
  for (k = 0; k < n; k++)
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++)
        path[i][j] = fmin(path[i][j], path[i][k] + path[k][j]);
}

int main(void) {
    seed_random(24);
    fill2(&path[0][0], N, N); positive(&path[0][0], N * N);
    double start = now_seconds();
    kernel_floyd(N);
    double elapsed = now_seconds() - start;
    printf("kernel floyd\n");
    printf("size N=%d\n", N);
    print_result(elapsed, sum2(&path[0][0], N, N));
    return 0;
}
