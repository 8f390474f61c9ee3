/* Dense matrix multiplication C = A * B, hand-parallelised with OpenMP over rows of C. */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef N
#define N 512
#endif

static void fill_matrix(double *m, int n) {
    for (int i = 0; i < n * n; i++)
        m[i] = random_double() - 0.5;
}

void matmul(const double *restrict A, const double *restrict B, double *restrict C, int n) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = 0; k < n; k++)
                sum += A[i * n + k] * B[k * n + j];
            C[i * n + j] = sum;
        }
    }
}

int main(void) {
    seed_random(7);
    int n = N;
    double *A = malloc(sizeof(double) * n * n);
    double *B = malloc(sizeof(double) * n * n);
    double *C = malloc(sizeof(double) * n * n);
    if (!A || !B || !C) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    fill_matrix(A, n);
    fill_matrix(B, n);

    double start = now_seconds();
    matmul(A, B, C, n);
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int i = 0; i < n * n; i++)
        checksum += C[i] * (double)(i % 17 + 1);
    printf("kernel matmul\n");
    printf("size N=%d\n", n);
    print_result(elapsed, checksum);
    free(A);
    free(B);
    free(C);
    return 0;
}
