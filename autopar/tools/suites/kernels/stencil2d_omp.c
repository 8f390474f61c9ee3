/* A 2D 5-point stencil (explicit heat diffusion) on a rows x cols float grid, STEPS time steps.
 * Two buffers are swapped between steps; the border stays fixed. Hand-parallelised with OpenMP. */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef ROWS
#define ROWS 2048
#endif
#ifndef COLS
#define COLS 2048
#endif
#ifndef STEPS
#define STEPS 150
#endif

void stencil_step(const float *restrict in, float *restrict out, int rows, int cols, float alpha) {
#pragma omp parallel for schedule(static)
    for (int i = 1; i < rows - 1; i++) {
        for (int j = 1; j < cols - 1; j++) {
            float center = in[i * cols + j];
            float around = in[(i - 1) * cols + j] + in[(i + 1) * cols + j] + in[i * cols + j - 1] +
                           in[i * cols + j + 1];
            out[i * cols + j] = center + alpha * (around - 4.0f * center);
        }
    }
}

int main(void) {
    seed_random(2024);
    int rows = ROWS, cols = COLS;
    float *a = malloc(sizeof(float) * rows * cols);
    float *b = malloc(sizeof(float) * rows * cols);
    if (!a || !b) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < rows * cols; i++) {
        a[i] = random_float();
        b[i] = a[i];
    }

    double start = now_seconds();
    for (int step = 0; step < STEPS; step++) {
        stencil_step(a, b, rows, cols, 0.2f);
        float *tmp = a;
        a = b;
        b = tmp;
    }
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int i = 0; i < rows * cols; i++)
        checksum += (double)a[i] * (double)(i % 19 + 1);
    printf("kernel stencil2d\n");
    printf("size ROWS=%d COLS=%d STEPS=%d\n", rows, cols, STEPS);
    print_result(elapsed, checksum);
    free(a);
    free(b);
    return 0;
}
