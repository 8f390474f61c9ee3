/* The line solves: for every line along x (then z), the 5x5 block Jacobians of its points are built
   in work arrays indexed by the point, assembled into a block-tridiagonal system, and solved by
   block elimination with the routines below, which work through their array arguments. */
#include "bt.h"

#define AA 0
#define BB 1
#define CC 2

static double fjac[GRID][5][5], njac[GRID][5][5], lhs[GRID][3][5][5];

/* the blocks of a line: zero, with the identity on the diagonal blocks */
static void lhsinit(double l[][3][5][5], int size)
{
    int i, m, n;
    for (i = 0; i < size; i++)
        for (m = 0; m < 5; m++) {
            for (n = 0; n < 5; n++) {
                l[i][AA][m][n] = 0.0;
                l[i][BB][m][n] = 0.0;
                l[i][CC][m][n] = 0.0;
            }
            l[i][BB][m][m] = 1.0;
        }
}

/* c = c - a b (b a vector) */
static void matvec_sub(double a[5][5], double b[5], double c[5])
{
    int m, n;
    for (m = 0; m < 5; m++)
        for (n = 0; n < 5; n++)
            c[m] = c[m] - a[m][n] * b[n];
}

/* c = c - a b (b a block) */
static void matmul_sub(double a[5][5], double b[5][5], double c[5][5])
{
    int m, n, p;
    for (m = 0; m < 5; m++)
        for (n = 0; n < 5; n++)
            for (p = 0; p < 5; p++)
                c[m][n] = c[m][n] - a[m][p] * b[p][n];
}

/* c = a^-1 c and r = a^-1 r, by Gauss-Jordan elimination on a (destroyed) */
static void binvcrhs(double a[5][5], double c[5][5], double r[5])
{
    int p, q, m;
    double pivot, coeff;
    for (p = 0; p < 5; p++) {
        pivot = 1.0 / a[p][p];
        for (m = p + 1; m < 5; m++)
            a[p][m] = a[p][m] * pivot;
        for (m = 0; m < 5; m++)
            c[p][m] = c[p][m] * pivot;
        r[p] = r[p] * pivot;
        for (q = 0; q < 5; q++) {
            if (q == p)
                continue;
            coeff = a[q][p];
            for (m = p + 1; m < 5; m++)
                a[q][m] = a[q][m] - coeff * a[p][m];
            for (m = 0; m < 5; m++)
                c[q][m] = c[q][m] - coeff * c[p][m];
            r[q] = r[q] - coeff * r[p];
        }
    }
}

/* r = a^-1 r */
static void binvrhs(double a[5][5], double r[5])
{
    int p, q, m;
    double pivot, coeff;
    for (p = 0; p < 5; p++) {
        pivot = 1.0 / a[p][p];
        for (m = p + 1; m < 5; m++)
            a[p][m] = a[p][m] * pivot;
        r[p] = r[p] * pivot;
        for (q = 0; q < 5; q++) {
            if (q == p)
                continue;
            coeff = a[q][p];
            for (m = p + 1; m < 5; m++)
                a[q][m] = a[q][m] - coeff * a[p][m];
            r[q] = r[q] - coeff * r[p];
        }
    }
}

void x_solve(void)
{
    int i, j, k, m, n;
    double tmp1, tmp2;
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++) {
            for (i = 0; i < NX; i++) {
                tmp1 = rho_i[k][j][i];
                tmp2 = tmp1 * tmp1;
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++) {
                        fjac[i][m][n] = 0.01 * (m + 1) * u[k][j][i][n] * tmp2;
                        njac[i][m][n] = 0.001 * u[k][j][i][m] * tmp2;
                    }
                fjac[i][1][1] = fjac[i][1][1] + u[k][j][i][1] * tmp1;
                fjac[i][0][1] = 1.0;
                njac[i][0][0] = njac[i][0][0] + 0.1 * tmp1;
                njac[i][4][4] = njac[i][4][4] + qs[k][j][i];
            }
            lhsinit(lhs, NX);
            tmp1 = dt * tx1;
            tmp2 = dt * tx2;
            for (i = 1; i < NX - 1; i++)
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++) {
                        lhs[i][AA][m][n] = -tmp2 * fjac[i - 1][m][n] - tmp1 * njac[i - 1][m][n];
                        lhs[i][BB][m][n] = lhs[i][BB][m][n] * (1.0 + 2.0 * tmp1) + 2.0 * tmp1 * njac[i][m][n];
                        lhs[i][CC][m][n] = tmp2 * fjac[i + 1][m][n] - tmp1 * njac[i + 1][m][n];
                    }
            binvcrhs(lhs[0][BB], lhs[0][CC], rhs[k][j][0]);
            for (i = 1; i < NX - 1; i++) {
                matvec_sub(lhs[i][AA], rhs[k][j][i - 1], rhs[k][j][i]);
                matmul_sub(lhs[i][AA], lhs[i - 1][CC], lhs[i][BB]);
                binvcrhs(lhs[i][BB], lhs[i][CC], rhs[k][j][i]);
            }
            matvec_sub(lhs[NX - 1][AA], rhs[k][j][NX - 2], rhs[k][j][NX - 1]);
            matmul_sub(lhs[NX - 1][AA], lhs[NX - 2][CC], lhs[NX - 1][BB]);
            binvrhs(lhs[NX - 1][BB], rhs[k][j][NX - 1]);
            for (i = NX - 2; i >= 0; i--)
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++)
                        rhs[k][j][i][m] = rhs[k][j][i][m] - lhs[i][CC][m][n] * rhs[k][j][i + 1][n];
        }
}

void z_solve(void)
{
    int i, j, k, m, n;
    double tmp1, tmp2;
    for (j = 1; j < NY - 1; j++)
        for (i = 1; i < NX - 1; i++) {
            for (k = 0; k < NZ; k++) {
                tmp1 = rho_i[k][j][i];
                tmp2 = tmp1 * tmp1;
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++) {
                        fjac[k][m][n] = 0.01 * (n + 1) * u[k][j][i][m] * tmp2;
                        njac[k][m][n] = 0.001 * u[k][j][i][n] * tmp2;
                    }
                fjac[k][3][3] = fjac[k][3][3] + u[k][j][i][3] * tmp1;
                fjac[k][0][3] = 1.0;
                njac[k][0][0] = njac[k][0][0] + 0.1 * tmp1;
                njac[k][4][4] = njac[k][4][4] + qs[k][j][i];
            }
            lhsinit(lhs, NZ);
            tmp1 = dt * tz1;
            tmp2 = dt * tz2;
            for (k = 1; k < NZ - 1; k++)
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++) {
                        lhs[k][AA][m][n] = -tmp2 * fjac[k - 1][m][n] - tmp1 * njac[k - 1][m][n];
                        lhs[k][BB][m][n] = lhs[k][BB][m][n] * (1.0 + 2.0 * tmp1) + 2.0 * tmp1 * njac[k][m][n];
                        lhs[k][CC][m][n] = tmp2 * fjac[k + 1][m][n] - tmp1 * njac[k + 1][m][n];
                    }
            binvcrhs(lhs[0][BB], lhs[0][CC], rhs[0][j][i]);
            for (k = 1; k < NZ - 1; k++) {
                matvec_sub(lhs[k][AA], rhs[k - 1][j][i], rhs[k][j][i]);
                matmul_sub(lhs[k][AA], lhs[k - 1][CC], lhs[k][BB]);
                binvcrhs(lhs[k][BB], lhs[k][CC], rhs[k][j][i]);
            }
            matvec_sub(lhs[NZ - 1][AA], rhs[NZ - 2][j][i], rhs[NZ - 1][j][i]);
            matmul_sub(lhs[NZ - 1][AA], lhs[NZ - 2][CC], lhs[NZ - 1][BB]);
            binvrhs(lhs[NZ - 1][BB], rhs[NZ - 1][j][i]);
            for (k = NZ - 2; k >= 0; k--)
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++)
                        rhs[k][j][i][m] = rhs[k][j][i][m] - lhs[k][CC][m][n] * rhs[k + 1][j][i][n];
        }
}
