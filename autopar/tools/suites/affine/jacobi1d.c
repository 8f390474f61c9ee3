/* jacobi1d: an affine kernel of the restructuring suite (plain serial C). */
#include "harness.h"
#include <math.h>

#ifndef N
#define N 1000
#endif
#ifndef TSTEPS
#define TSTEPS 10
#endif
static double A[N], B[N];

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

void kernel_jacobi1d(int tsteps, int n) {
  int t, i;
  for (t = 0; t < tsteps; t++) {
    for (i = 1; i < n - 1; i++)
      B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
    for (i = 1; i < n - 1; i++)
      A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
  }
}

int main(void) {
    seed_random(20);
    fill2(A, 1, N); fill2(B, 1, N);
    double start = now_seconds();
    kernel_jacobi1d(TSTEPS, N);
    double elapsed = now_seconds() - start;
    printf("kernel jacobi1d\n");
    printf("size N=%d TSTEPS=%d\n", N, TSTEPS);
    print_result(elapsed, sum2(A, 1, N));
    return 0;
}
