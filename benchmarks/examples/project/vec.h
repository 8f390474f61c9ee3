/* Vector and grid kernels of the example project. */
#ifndef VEC_H
#define VEC_H

#define GRID 64

void saxpy(int n, float a, const float *restrict x, float *restrict y);
double dot(int n, const double *x, const double *y);
void scale_all(int n, double *v, double k);
void jacobi(double out[GRID][GRID], double in[GRID][GRID]);
void gauss_seidel(double g[GRID][GRID]);
void histogram(int n, const int *keys, int *counts);
void prefix_sum(int n, double *restrict out, const double *restrict in);
double largest(int n, const double *v);
double integrate(int n);

#endif
