/* The three sweeps: a tridiagonal system along one direction for every line of the other two
   (the Thomas algorithm: a forward elimination and a back substitution, each a recurrence). */
#include "adi.h"

static double lhs_a[NZ][NY][NX], lhs_b[NZ][NY][NX], lhs_c[NZ][NY][NX];

void x_solve(void)
{
    int i, j, k, m;
    double fac;
    #pragma omp parallel for private(i, j, m, fac)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++) {
            for (i = 0; i < NX; i++) {
                lhs_a[k][j][i] = -dt * tx * speed[k][j][i];
                lhs_b[k][j][i] = 1.0 + 2.0 * dt * tx * speed[k][j][i];
                lhs_c[k][j][i] = -dt * tx * speed[k][j][i];
            }
            for (i = 1; i < NX; i++) {
                fac = lhs_a[k][j][i] / lhs_b[k][j][i - 1];
                lhs_b[k][j][i] = lhs_b[k][j][i] - fac * lhs_c[k][j][i - 1];
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = rhs[k][j][i][m] - fac * rhs[k][j][i - 1][m];
            }
            for (m = 0; m < 5; m++)
                rhs[k][j][NX - 1][m] = rhs[k][j][NX - 1][m] / lhs_b[k][j][NX - 1];
            for (i = NX - 2; i >= 0; i--)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = (rhs[k][j][i][m] - lhs_c[k][j][i] * rhs[k][j][i + 1][m]) / lhs_b[k][j][i];
        }
}

void y_solve(void)
{
    int i, j, k, m;
    double fac;
    #pragma omp parallel for private(i, j, m, fac)
    for (k = 1; k < NZ - 1; k++)
        for (i = 1; i < NX - 1; i++) {
            for (j = 0; j < NY; j++) {
                lhs_a[k][j][i] = -dt * ty * speed[k][j][i];
                lhs_b[k][j][i] = 1.0 + 2.0 * dt * ty * speed[k][j][i];
                lhs_c[k][j][i] = -dt * ty * speed[k][j][i];
            }
            for (j = 1; j < NY; j++) {
                fac = lhs_a[k][j][i] / lhs_b[k][j - 1][i];
                lhs_b[k][j][i] = lhs_b[k][j][i] - fac * lhs_c[k][j - 1][i];
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = rhs[k][j][i][m] - fac * rhs[k][j - 1][i][m];
            }
            for (m = 0; m < 5; m++)
                rhs[k][NY - 1][i][m] = rhs[k][NY - 1][i][m] / lhs_b[k][NY - 1][i];
            for (j = NY - 2; j >= 0; j--)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = (rhs[k][j][i][m] - lhs_c[k][j][i] * rhs[k][j + 1][i][m]) / lhs_b[k][j][i];
        }
}

void z_solve(void)
{
    int i, j, k, m;
    double fac;
    #pragma omp parallel for private(i, k, m, fac)
    for (j = 1; j < NY - 1; j++)
        for (i = 1; i < NX - 1; i++) {
            for (k = 0; k < NZ; k++) {
                lhs_a[k][j][i] = -dt * tz * speed[k][j][i];
                lhs_b[k][j][i] = 1.0 + 2.0 * dt * tz * speed[k][j][i];
                lhs_c[k][j][i] = -dt * tz * speed[k][j][i];
            }
            for (k = 1; k < NZ; k++) {
                fac = lhs_a[k][j][i] / lhs_b[k - 1][j][i];
                lhs_b[k][j][i] = lhs_b[k][j][i] - fac * lhs_c[k - 1][j][i];
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = rhs[k][j][i][m] - fac * rhs[k - 1][j][i][m];
            }
            for (m = 0; m < 5; m++)
                rhs[NZ - 1][j][i][m] = rhs[NZ - 1][j][i][m] / lhs_b[NZ - 1][j][i];
            for (k = NZ - 2; k >= 0; k--)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = (rhs[k][j][i][m] - lhs_c[k][j][i] * rhs[k + 1][j][i][m]) / lhs_b[k][j][i];
        }
}
