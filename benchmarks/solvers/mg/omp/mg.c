/* The driver: the level hierarchy, a right-hand side of point charges, CYCLES V-cycles. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>
#include "mg.h"

double u[NR], v[NR], r[NR];
int m1[LT + 1], m2[LT + 1], m3[LT + 1], ir[LT + 1];

static double a[4] = {-8.0 / 3.0, 0.0, 1.0 / 6.0, 1.0 / 12.0};
static double c[4] = {-3.0 / 8.0, 1.0 / 32.0, -1.0 / 64.0, 0.0};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void setup(void)
{
    int k;
    for (k = LT; k >= 1; k--)
        m1[k] = m2[k] = m3[k] = (1 << k) + 2;
    ir[LT] = 0;
    for (k = LT - 1; k >= 1; k--)
        ir[k] = ir[k + 1] + m1[k + 1] * m2[k + 1] * m3[k + 1];
}

/* a few positive and negative charges at fixed points of the finest grid */
static void charges(void)
{
    double (*z)[NG][NG] = (double (*)[NG][NG])v;
    int i, n = NG - 2;
    zero3(v, NG, NG, NG);
    for (i = 0; i < 10; i++) {
        z[1 + (i * 7 + 3) % n][1 + (i * 13 + 5) % n][1 + (i * 29 + 11) % n] = -1.0;
        z[1 + (i * 11 + 2) % n][1 + (i * 17 + 7) % n][1 + (i * 23 + 1) % n] = 1.0;
    }
    comm3(v, NG, NG, NG);
}

/* one V-cycle: restrict the residual down, smooth on the way up */
static void mg3p(void)
{
    int j, k;
    for (k = LT; k >= 2; k--) {
        j = k - 1;
        rprj3(&r[ir[k]], m1[k], m2[k], m3[k], &r[ir[j]], m1[j], m2[j], m3[j]);
    }
    k = 1;
    zero3(&u[ir[k]], m1[k], m2[k], m3[k]);
    psinv(&r[ir[k]], &u[ir[k]], m1[k], m2[k], m3[k], c);
    for (k = 2; k <= LT - 1; k++) {
        j = k - 1;
        zero3(&u[ir[k]], m1[k], m2[k], m3[k]);
        interp(&u[ir[j]], m1[j], m2[j], m3[j], &u[ir[k]], m1[k], m2[k], m3[k]);
        resid(&u[ir[k]], &r[ir[k]], &r[ir[k]], m1[k], m2[k], m3[k], a);
        psinv(&r[ir[k]], &u[ir[k]], m1[k], m2[k], m3[k], c);
    }
    j = LT - 1;
    k = LT;
    interp(&u[ir[j]], m1[j], m2[j], m3[j], u, NG, NG, NG);
    resid(u, v, r, NG, NG, NG, a);
    psinv(r, u, NG, NG, NG, c);
}

int main(void)
{
    int it;
    double start, elapsed, rnm2, rnmu;
    setup();
    zero3(u, NG, NG, NG);
    charges();
    start = now();
    resid(u, v, r, NG, NG, NG, a);
    for (it = 0; it < CYCLES; it++) {
        mg3p();
        resid(u, v, r, NG, NG, NG, a);
    }
    norm2u3(r, NG, NG, NG, &rnm2, &rnmu);
    elapsed = now() - start;
    printf("time_s %.6f\n", elapsed);
    printf("rnm2 %.12e\n", rnm2);
    printf("rnmu %.12e\n", rnmu);
    return 0;
}
