/* Jacobi iteration for the 2D Laplace equation on an n x n grid with fixed boundary values.
 * Each sweep computes a new grid from the old one and the largest change; the sweep result is
 * copied back before the next one. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef N
#define N 1024
#endif
#ifndef ITERS
#define ITERS 100
#endif

static void init_grid(double *grid, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            grid[i * n + j] = 0.0;
    for (int j = 0; j < n; j++) {
        grid[j] = sin(3.14159265358979 * j / (n - 1));  /* hot top edge */
        grid[(n - 1) * n + j] = 0.0;
    }
}

/* One sweep: writes `next` from `cur`, returns the largest absolute change. */
double jacobi_sweep(const double *cur, double *next, int n) {
    double err = 0.0;
    for (int i = 1; i < n - 1; i++) {
        for (int j = 1; j < n - 1; j++) {
            next[i * n + j] = 0.25 * (cur[(i - 1) * n + j] + cur[(i + 1) * n + j] +
                                      cur[i * n + j - 1] + cur[i * n + j + 1]);
            err = fmax(err, fabs(next[i * n + j] - cur[i * n + j]));
        }
    }
    return err;
}

void copy_interior(double *dst, const double *src, int n) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            dst[i * n + j] = src[i * n + j];
}

int main(void) {
    int n = N;
    double *grid = malloc(sizeof(double) * n * n);
    double *next = malloc(sizeof(double) * n * n);
    if (!grid || !next) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    init_grid(grid, n);
    init_grid(next, n);

    double err = 0.0;
    double start = now_seconds();
    for (int iter = 0; iter < ITERS; iter++) {
        err = jacobi_sweep(grid, next, n);
        copy_interior(grid, next, n);
    }
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int i = 0; i < n * n; i++)
        checksum += grid[i] * (double)(i % 11 + 1);
    printf("kernel jacobi\n");
    printf("size N=%d ITERS=%d\n", n, ITERS);
    print_result(elapsed, checksum);
    printf("checksum %.17g\n", err);
    free(grid);
    free(next);
    return 0;
}
