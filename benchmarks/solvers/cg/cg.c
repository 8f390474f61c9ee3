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

static double conj_grad(int n)
{
    int j, cgit;
    double rho, rho0, alpha, beta, d, rnorm;
    for (j = 0; j < n; j++) {
        q[j] = 0.0;
        z[j] = 0.0;
        r[j] = x[j];
        p[j] = r[j];
    }
    rho = dot(n, r, r);
    for (cgit = 0; cgit < CGITMAX; cgit++) {
        matvec(n, p, q);
        d = dot(n, p, q);
        alpha = rho / d;
        rho0 = rho;
        axpy(n, alpha, p, z);
        axpy(n, -alpha, q, r);
        rho = dot(n, r, r);
        beta = rho / rho0;
        xpay(n, r, beta, p);
    }
    matvec(n, z, r);
    rnorm = 0.0;
    for (j = 0; j < n; j++) {
        d = x[j] - r[j];
        rnorm = rnorm + d * d;
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
