/* The example program: runs each kernel and prints checksums that must not change when parallel. */
#include <stdio.h>
#include <stdlib.h>
#include "vec.h"

static double a[GRID][GRID], b[GRID][GRID];

int main(void) {
    enum { N = 100000 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    double *u = malloc(N * sizeof *u), *w = malloc(N * sizeof *w);
    int *keys = malloc(N * sizeof *keys), counts[16] = {0};
    if (!x || !y || !u || !w || !keys)
        return 1;
    for (int i = 0; i < N; i++) {
        x[i] = (float)(i % 10);
        y[i] = 1.0f;
        u[i] = (i % 7) * 0.5;
        w[i] = 1.0 / (1 + i % 3);
        keys[i] = i % 16;
    }
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++)
            a[i][j] = b[i][j] = (i * j) % 5;

    saxpy(N, 2.0f, x, y);
    scale_all(N, u, 2.0);
    jacobi(b, a);
    gauss_seidel(a);
    histogram(N, keys, counts);
    prefix_sum(N, w, u);

    double ysum = 0.0;
    for (int i = 0; i < N; i++)
        ysum += y[i];
    printf("saxpy %.1f\n", ysum);
    printf("dot %.3f\n", dot(N, u, u));
    printf("jacobi %.4f gauss-seidel %.4f\n", b[GRID / 2][GRID / 2], a[GRID / 2][GRID / 2]);
    printf("counts[3] %d prefix %.2f max %.1f\n", counts[3], w[N - 1], largest(N, u));
    printf("integral %.6f\n", integrate(1000));
    free(x), free(y), free(u), free(w), free(keys);
    return 0;
}
