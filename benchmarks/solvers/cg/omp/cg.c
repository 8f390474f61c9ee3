/* The driver: NITER outer iterations of inverse power iteration, each solving A z = x with CGITMAX
   conjugate-gradient steps, as NAS CG does. Prints the time of the iterations and the checksums. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <math.h>
#include <time.h>
#include "cg.h"

double x[NA], z[NA], p[NA], q[NA], r[NA];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* As NAS CG's OpenMP version: one parallel region for the whole solve, the vector operations
   inlined as worksharing loops, the product fused with the dot product that follows it. */
static double conj_grad(int n)
{
    int j, k, cgit;
    static double rho, rho0, d, rnorm;
    double alpha, beta, sum, diff;
    rho = 0.0;
    rnorm = 0.0;
#pragma omp parallel private(j, k, cgit, alpha, beta, sum, diff)
    {
#pragma omp for reduction(+: rho)
        for (j = 0; j < n; j++) {
            q[j] = 0.0;
            z[j] = 0.0;
            r[j] = x[j];
            p[j] = r[j];
            rho = rho + r[j] * r[j];
        }
        for (cgit = 0; cgit < CGITMAX; cgit++) {
#pragma omp single
            {
                d = 0.0;
                rho0 = rho;
                rho = 0.0;
            }
#pragma omp for reduction(+: d)
            for (j = 0; j < n; j++) {
                sum = 0.0;
                for (k = rowstr[j]; k < rowstr[j + 1]; k++)
                    sum = sum + a[k] * p[colidx[k]];
                q[j] = sum;
                d = d + p[j] * sum;
            }
            alpha = rho0 / d;
#pragma omp for reduction(+: rho)
            for (j = 0; j < n; j++) {
                z[j] = z[j] + alpha * p[j];
                r[j] = r[j] - alpha * q[j];
                rho = rho + r[j] * r[j];
            }
            beta = rho / rho0;
#pragma omp for
            for (j = 0; j < n; j++)
                p[j] = r[j] + beta * p[j];
        }
#pragma omp for reduction(+: rnorm)
        for (j = 0; j < n; j++) {
            sum = 0.0;
            for (k = rowstr[j]; k < rowstr[j + 1]; k++)
                sum = sum + a[k] * z[colidx[k]];
            r[j] = sum;
            diff = x[j] - sum;
            rnorm = rnorm + diff * diff;
        }
    }
    return sqrt(rnorm);
}

int main(void)
{
    int it, j, n = NA;
    double zeta = 0.0, rnorm = 0.0, norm, start, elapsed;
    makea(n);
    for (j = 0; j < n; j++)
        x[j] = 1.0;
    start = now();
    for (it = 0; it < NITER; it++) {
        rnorm = conj_grad(n);
        zeta = SHIFT + 1.0 / dot(n, x, z);
        norm = 1.0 / sqrt(dot(n, z, z));
        scale_copy(n, norm, z, x);
    }
    elapsed = now() - start;
    printf("time_s %.6f\n", elapsed);
    printf("zeta %.10e\n", zeta);
    printf("x_sum %.10e\n", dot(n, x, x) + (rnorm < 1e-3 ? 0.0 : rnorm));
    return 0;
}
