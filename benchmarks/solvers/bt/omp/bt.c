/* The driver: initial state, then STEPS time steps of rhs, two line solves and the update. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>
#include "bt.h"

double u[NZ][NY][NX][5], rhs[NZ][NY][NX][5], forcing[NZ][NY][NX][5];
double rho_i[NZ][NY][NX], qs[NZ][NY][NX];
double dt = 0.0008, tx1 = 0.3, tx2 = 0.2, tz1 = 0.25, tz2 = 0.15, dssp = 0.01;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void initialize(void)
{
    int i, j, k, m;
    #pragma omp parallel for private(i, j, m)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++)
                for (m = 0; m < 5; m++) {
                    u[k][j][i][m] = 1.0 + 0.02 * ((i * 3 + j * 7 + k * 5 + m * 11) % 13);
                    forcing[k][j][i][m] = 0.0005 * ((2 * i + j + 3 * k + m) % 7);
                }
}

static void add(void)
{
    int i, j, k, m;
    #pragma omp parallel for private(i, j, m)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++)
                for (m = 0; m < 5; m++)
                    u[k][j][i][m] = u[k][j][i][m] + rhs[k][j][i][m];
}

static double checksum(void)
{
    int i, j, k, m;
    double sum;
    sum = 0.0;
    #pragma omp parallel for private(i, j, m) reduction(+: sum)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++)
                for (m = 0; m < 5; m++)
                    sum = sum + u[k][j][i][m] * (1 + (i + 2 * j + 3 * k + m) % 5);
    return sum;
}

int main(void)
{
    int step;
    double start, elapsed;
    initialize();
    start = now();
    for (step = 0; step < STEPS; step++) {
        compute_rhs();
        x_solve();
        z_solve();
        add();
    }
    elapsed = now() - start;
    printf("time_s %.6f\n", elapsed);
    printf("checksum %.12e\n", checksum());
    return 0;
}
