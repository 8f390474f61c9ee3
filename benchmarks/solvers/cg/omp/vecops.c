/* The vector operations of one CG iteration. */
#include "cg.h"

double dot(int n, const double *u, const double *v)
{
    int j;
    double sum = 0.0;
#pragma omp parallel for reduction(+: sum)
    for (j = 0; j < n; j++)
        sum = sum + u[j] * v[j];
    return sum;
}

void axpy(int n, double alpha, const double *u, double *v)
{
    int j;
    for (j = 0; j < n; j++)
        v[j] = v[j] + alpha * u[j];
}

void xpay(int n, const double *u, double beta, double *v)
{
    int j;
    for (j = 0; j < n; j++)
        v[j] = u[j] + beta * v[j];
}

void scale_copy(int n, double s, const double *u, double *v)
{
    int j;
#pragma omp parallel for
    for (j = 0; j < n; j++)
        v[j] = s * u[j];
}
