/* Loop bounds read from elements of a global array at constant subscripts (NAS BT/SP/LU: `for (k = 1;
   k <= grid_points[2] - 2; k++)`): such an element that nothing in the nest can write is a parameter
   of the nest like a named variable, so the subscripts stay within their rows. A call to a function
   of the file that writes no global and calls no unknown code writes only what its pointer arguments
   reach: an argument rooted at a named array that is not the bound's leaves it alone (NAS BT's
   exact_rhs fills `dtemp` through `exact_solution`). Before, each of these nests stayed serial ("j is
   not known to stay in [0, 24) (a bound of its loops is not known)"). Near misses stay serial: a call
   that is passed the bound's array, or the address of one of its elements. */
#include <stdio.h>

#define N 24

static int grid_points[3];
static double u[N][N][N][5], rhs[N][N][N][5], forcing[N][N][N][5];
static double ce[5][4];

static void exact_solution(double xi, double eta, double zeta, double dtemp[5]) {
    int m;
    for (m = 0; m < 5; m++)
        dtemp[m] = ce[m][0] + xi * (ce[m][1] + xi * ce[m][2]) + eta * zeta * ce[m][3];
}

static void shrink(int *g) {
    g[1] = g[1] > 2 ? g[1] - 1 : g[1];
}

static void count(int *c) {
    *c = *c > 4 ? *c - 1 : *c;
}

/* NAS's compute_rhs: a 4-deep nest over the interior, bounded by grid_points */
void compute_rhs(void) {
    int i, j, k, m;
    for (k = 1; k <= grid_points[2] - 2; k++)
        for (j = 1; j <= grid_points[1] - 2; j++)
            for (i = 1; i <= grid_points[0] - 2; i++)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = forcing[k][j][i][m] - 0.25 * (u[k][j][i + 1][m] - u[k][j][i - 1][m]);
}

/* NAS BT's exact_rhs: the exact solution at each point, kept in a row buffer, then differenced */
void exact_rhs(void) {
    int i, j, k, m;
    double dtemp[5], ue[N][5];
    for (k = 1; k <= grid_points[2] - 2; k++)
        for (j = 1; j <= grid_points[1] - 2; j++) {
            for (i = 0; i <= grid_points[0] - 1; i++) {
                exact_solution(i * 0.1, j * 0.1, k * 0.1, dtemp);
                for (m = 0; m < 5; m++)
                    ue[i][m] = dtemp[m];
            }
            for (i = 1; i <= grid_points[0] - 2; i++)
                for (m = 0; m < 5; m++)
                    forcing[k][j][i][m] = ue[i + 1][m] - 2.0 * ue[i][m] + ue[i - 1][m];
        }
}

/* serial: shrink is passed the bound's array, and may change the bound */
void shrinking(void) {
    int j, i;
    for (j = 1; j <= grid_points[1] - 2; j++) {
        shrink(grid_points);
        for (i = 1; i < N; i++)
            u[0][j][i][0] = u[0][j][i - 1][0] + 1.0;
    }
}

/* serial: count writes grid_points[0], which the inner loop's bound reads */
void counting(void) {
    int j, i;
    for (j = 1; j <= grid_points[1] - 2; j++) {
        count(&grid_points[0]);
        for (i = 1; i <= grid_points[0] - 2; i++)
            u[1][j][i][1] = u[1][j][i][1] * 0.5;
    }
}

static double checksum(double a[N][N][N][5]) {
    double s = 0.0;
    // autopar: off
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int m = 0; m < 5; m++)
                    s += a[k][j][i][m] * (double)((i + 2 * j + 3 * k + m) % 7 + 1);
    return s;
}

int main(void) {
    grid_points[0] = N; grid_points[1] = N - 2; grid_points[2] = N - 4;
    // autopar: off
    for (int m = 0; m < 5; m++)
        for (int n = 0; n < 4; n++)
            ce[m][n] = 1.0 + 0.1 * m + 0.01 * n;
    // autopar: off
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int m = 0; m < 5; m++)
                    u[k][j][i][m] = (double)((i * 3 + j * 5 + k + m) % 11) * 0.5;
    exact_rhs(); printf("exact_rhs %.10g\n", checksum(forcing));
    compute_rhs(); printf("compute_rhs %.10g\n", checksum(rhs));
    shrinking(); printf("shrinking %.10g %d\n", checksum(u), grid_points[1]);
    counting(); printf("counting %.10g %d\n", checksum(u), grid_points[0]);
    return 0;
}
