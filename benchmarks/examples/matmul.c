/* The bundled example for `make demo`: the kernels a user would write, in plain serial C. */
#include <stdio.h>
#include <stdlib.h>

/* C = A * B for n x n row-major matrices. No restrict: the pointers may alias. */
void matmul(float *A, float *B, float *C, int n) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int k = 0; k < n; k++)
                sum += A[i * n + k] * B[k * n + j];
            C[i * n + j] = sum;
        }
    }
}

/* The same kernel with restrict: the analysis can prove it without a runtime check. */
void matmul_restrict(const float *restrict A, const float *restrict B, float *restrict C, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int k = 0; k < n; k++)
                sum += A[i * n + k] * B[k * n + j];
            C[i * n + j] = sum;
        }
}

/* A prefix sum carries a dependence from one iteration to the next: it must stay serial. */
void prefix_sum(double *restrict out, const double *restrict in, int n) {
    out[0] = in[0];
    for (int i = 1; i < n; i++)
        out[i] = out[i - 1] + in[i];
}

/* A dot product is a reduction. */
double dot(const double *x, const double *y, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 256;
    float *A = malloc(sizeof(float) * n * n), *B = malloc(sizeof(float) * n * n),
          *C = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) {
        A[i] = (float)(i % 7) / 7.0f;
        B[i] = (float)(i % 5) / 5.0f;
    }
    matmul(A, B, C, n);
    double checksum = 0.0;
    for (int i = 0; i < n * n; i++)
        checksum += C[i];
    printf("checksum %.6e\n", checksum);
    free(A);
    free(B);
    free(C);
    return 0;
}
