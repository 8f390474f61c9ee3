/* Line solves shaped like NAS BT's x_solve, in one file: the work arrays fjac, njac and lhs are
   globals of PROBLEM_SIZE + 1 rows, of which each (k, j) line writes rows 0..isize (the same rows in
   every iteration) before reading them; tmp1..tmp3 are globals written in the loops over i, which
   run when isize >= 0; lhsinit clears two blocks through a local set once (`i = size;`). The k loop
   runs in parallel with copies of the work arrays that start as the arrays and are copied back
   (firstprivate and lastprivate), and lastprivate scalars, under a run-time check that the loops
   inside run. Near misses stay serial: a work row whose written part grows with the outer loop, and
   a block routine whose local names two rows. */
#include <stdio.h>

#define PROBLEM_SIZE 12
#define AA 0
#define BB 1
#define CC 2

int grid_points[3];
double u[PROBLEM_SIZE][PROBLEM_SIZE + 1][PROBLEM_SIZE + 1][5];
double rhs[PROBLEM_SIZE][PROBLEM_SIZE + 1][PROBLEM_SIZE + 1][5];
double rho_i[PROBLEM_SIZE][PROBLEM_SIZE + 1][PROBLEM_SIZE + 1];
double fjac[PROBLEM_SIZE + 1][5][5];
double njac[PROBLEM_SIZE + 1][5][5];
double lhs[PROBLEM_SIZE + 1][3][5][5];
double tmp1, tmp2, tmp3, dt = 0.01;

void lhsinit(double lhs[][3][5][5], int size) {
    int i, m, n;
    i = size;
    for (n = 0; n < 5; n++) {
        for (m = 0; m < 5; m++) {
            lhs[0][0][n][m] = 0.0;
            lhs[0][1][n][m] = 0.0;
            lhs[0][2][n][m] = 0.0;
            lhs[i][0][n][m] = 0.0;
            lhs[i][1][n][m] = 0.0;
            lhs[i][2][n][m] = 0.0;
        }
    }
    for (m = 0; m < 5; m++) {
        lhs[0][1][m][m] = 1.0;
        lhs[i][1][m][m] = 1.0;
    }
}

void matvec_sub(double ablock[5][5], double avec[5], double bvec[5]) {
    for (int m = 0; m < 5; m++)
        for (int n = 0; n < 5; n++)
            bvec[m] = bvec[m] - ablock[n][m] * avec[n];
}

void matmul_sub(double ablock[5][5], double bblock[5][5], double cblock[5][5]) {
    for (int n = 0; n < 5; n++)
        for (int m = 0; m < 5; m++)
            for (int p = 0; p < 5; p++)
                cblock[n][m] = cblock[n][m] - ablock[p][m] * bblock[n][p];
}

void binvcrhs(double lhs[5][5], double c[5][5], double r[5]) {
    for (int p = 0; p < 5; p++) {
        double pivot = 1.0 / lhs[p][p];
        for (int m = p + 1; m < 5; m++) lhs[m][p] = lhs[m][p] * pivot;
        for (int n = 0; n < 5; n++) c[n][p] = c[n][p] * pivot;
        r[p] = r[p] * pivot;
        for (int m = 0; m < 5; m++) {
            if (m != p) {
                double coeff = lhs[p][m];
                for (int n = p + 1; n < 5; n++) lhs[n][m] = lhs[n][m] - coeff * lhs[n][p];
                for (int n = 0; n < 5; n++) c[n][m] = c[n][m] - coeff * c[n][p];
                r[m] = r[m] - coeff * r[p];
            }
        }
    }
}

void binvrhs(double lhs[5][5], double r[5]) {
    for (int p = 0; p < 5; p++) {
        double pivot = 1.0 / lhs[p][p];
        for (int m = p + 1; m < 5; m++) lhs[m][p] = lhs[m][p] * pivot;
        r[p] = r[p] * pivot;
        for (int m = 0; m < 5; m++) {
            if (m != p) {
                double coeff = lhs[p][m];
                for (int n = p + 1; n < 5; n++) lhs[n][m] = lhs[n][m] - coeff * lhs[n][p];
                r[m] = r[m] - coeff * r[p];
            }
        }
    }
}

void x_solve(void) {
    int i, j, k, m, n, isize;
    isize = grid_points[0] - 1;
    for (k = 1; k <= grid_points[2] - 2; k++) {
        for (j = 1; j <= grid_points[1] - 2; j++) {
            for (i = 0; i <= isize; i++) {
                tmp1 = rho_i[k][j][i];
                tmp2 = tmp1 * tmp1;
                tmp3 = tmp1 * tmp2;
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++) {
                        fjac[i][m][n] = 0.01 * (m + 1) * u[k][j][i][n] * tmp2;
                        njac[i][m][n] = 0.02 * (n + 1) * u[k][j][i][m] * tmp3;
                    }
            }
            lhsinit(lhs, isize);
            for (i = 1; i <= isize - 1; i++) {
                tmp1 = dt * 0.5;
                tmp2 = dt * 0.25;
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++) {
                        lhs[i][AA][m][n] = -tmp2 * fjac[i - 1][m][n] - tmp1 * njac[i - 1][m][n];
                        lhs[i][BB][m][n] = (m == n ? 1.0 : 0.0) + 2.0 * tmp1 * njac[i][m][n];
                        lhs[i][CC][m][n] = tmp2 * fjac[i + 1][m][n] - tmp1 * njac[i + 1][m][n];
                    }
            }
            binvcrhs(lhs[0][BB], lhs[0][CC], rhs[k][j][0]);
            for (i = 1; i <= isize - 1; i++) {
                matvec_sub(lhs[i][AA], rhs[k][j][i - 1], rhs[k][j][i]);
                matmul_sub(lhs[i][AA], lhs[i - 1][CC], lhs[i][BB]);
                binvcrhs(lhs[i][BB], lhs[i][CC], rhs[k][j][i]);
            }
            matvec_sub(lhs[isize][AA], rhs[k][j][isize - 1], rhs[k][j][isize]);
            matmul_sub(lhs[isize][AA], lhs[isize - 1][CC], lhs[isize][BB]);
            binvrhs(lhs[isize][BB], rhs[k][j][isize]);
            for (i = isize - 1; i >= 0; i--)
                for (m = 0; m < 5; m++)
                    for (n = 0; n < 5; n++)
                        rhs[k][j][i][m] = rhs[k][j][i][m] - lhs[i][CC][n][m] * rhs[k][j][i + 1][n];
        }
    }
}

/* serial: the rows of fjac each k writes grow with k, so a later k leaves rows an earlier one wrote
   (the loops over i step through columns: no simd either) */
void growing_rows(void) {
    for (int k = 0; k < PROBLEM_SIZE; k++) {
        for (int i = 0; i <= k; i++)
            fjac[i][2][0] = u[k][1][i][2] * 0.5;
        for (int i = 0; i <= k; i++)
            rhs[k][1][i][0] = fjac[i][2][0] + u[k][1][i][4];
    }
}

/* the block routine's local names two rows (`i = size;` then `i = 0;`): its writes are not known */
void clear_two(double blk[][5], int size) {
    int i;
    i = size;
    for (int m = 0; m < 5; m++) blk[i][m] = 0.0;
    i = 0;
    for (int m = 0; m < 5; m++) blk[i][m] = 1.0;
}

/* serial: what clear_two writes in fjac[..][0] is not known, and fjac is read after it (the loops
   over i step through columns: no simd either) */
void two_rows(void) {
    for (int k = 1; k < PROBLEM_SIZE - 1; k++) {
        for (int i = 0; i < PROBLEM_SIZE; i++)
            fjac[i][0][1] = u[k][2][i][1];
        clear_two(fjac[0], PROBLEM_SIZE - 1);
        for (int i = 0; i < PROBLEM_SIZE; i++)
            rhs[k][2][i][1] = fjac[i][0][1] - u[k][2][i][3];
    }
}

static double checksum(const double *a, long n) {
    double s = 0.0;
    // autopar: off
    for (long i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    return s;
}

int main(void) {
    long cells = (long)PROBLEM_SIZE * (PROBLEM_SIZE + 1) * (PROBLEM_SIZE + 1);
    double *flat_u = &u[0][0][0][0], *flat_rhs = &rhs[0][0][0][0], *flat_rho = &rho_i[0][0][0];
    // autopar: off
    for (long c = 0; c < cells; c++) {
        flat_rho[c] = 1.0 / (1.0 + 0.01 * (double)(c % 37));
        for (int m = 0; m < 5; m++) {
            flat_u[c * 5 + m] = 1.0 + 0.001 * (double)((c * 7 + m) % 101);
            flat_rhs[c * 5 + m] = 0.01 * (double)((c + 3 * m) % 89);
        }
    }
    // autopar: off
    for (int m = 0; m < 5; m++) {  /* rows no line writes: they must come back unchanged */
        fjac[PROBLEM_SIZE][m][m] = 7.0 + m;
        njac[PROBLEM_SIZE][m][1] = 3.0 - m;
        lhs[PROBLEM_SIZE][BB][m][2] = 0.5 * m;
    }
    grid_points[0] = grid_points[1] = grid_points[2] = PROBLEM_SIZE;
    // autopar: off
    for (int step = 0; step < 3; step++)
        x_solve();
    printf("x_solve %.12g %.12g %.12g %.12g\n", checksum(flat_rhs, cells * 5),
           checksum(&fjac[0][0][0], (PROBLEM_SIZE + 1) * 25), checksum(&njac[0][0][0], (PROBLEM_SIZE + 1) * 25),
           checksum(&lhs[0][0][0][0], (PROBLEM_SIZE + 1) * 75));
    printf("tmp %.12g %.12g %.12g\n", tmp1, tmp2, tmp3);
    growing_rows();
    printf("growing_rows %.12g %.12g\n", checksum(flat_rhs, cells * 5), checksum(&fjac[0][0][0], (PROBLEM_SIZE + 1) * 25));
    two_rows();
    printf("two_rows %.12g %.12g\n", checksum(flat_rhs, cells * 5), checksum(&fjac[0][0][0], (PROBLEM_SIZE + 1) * 25));
    return 0;
}
