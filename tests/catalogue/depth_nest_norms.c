/* Norms summed over a whole nest into a pointer's elements (NAS LU's l2norm, BT's and SP's rhs_norm:
   `sum[m] = sum[m] + v[k][j][i][m] * v[k][j][i][m]` for every interior point): each thread sums into
   a copy of sum[0..4] and adds it back, which is right only when the nest touches every one of those
   elements. That holds when the inner loops run too; where their bounds do not change inside the
   nest, their first tests (`jst < jend`) join the run-time check, so the pragma goes on the outer
   loop. Before, it went on the loop just above the loop over m, entered once per (k, j).
   Near misses stay serial: an inner loop whose bound moves with k (the test before the nest would
   not show that it runs), a guard, and a bound the nest changes. */
#include <stdio.h>

#define N 20

static double v[N][N][N][5];
static int nz0, ist, iend, jst, jend;
static int grid_points[3];

/* NAS LU's l2norm: bounds passed in */
void l2norm(int nz, int i0, int i1, int j0, int j1, double sum[5]) {
    int i, j, k, m;
    for (k = 1; k < nz - 1; k++)
        for (j = j0; j < j1; j++)
            for (i = i0; i < i1; i++)
                for (m = 0; m < 5; m++)
                    sum[m] = sum[m] + v[k][j][i][m] * v[k][j][i][m];
}

/* NAS BT's rhs_norm: bounds from a global array's elements */
void rhs_norm(double rms[5]) {
    int i, j, k, m;
    double add;
    for (k = 1; k <= grid_points[2] - 2; k++)
        for (j = 1; j <= grid_points[1] - 2; j++)
            for (i = 1; i <= grid_points[0] - 2; i++)
                for (m = 0; m < 5; m++) {
                    add = v[k][j][i][m];
                    rms[m] = rms[m] + add * add;
                }
}

/* serial: the loop over j may not run for the first values of k only */
void moving(double sum[5]) {
    int i, j, k, m;
    for (k = 1; k < nz0 - 1; k++)
        for (j = jst; j < jend - k; j++)
            for (i = ist; i < iend; i++)
                for (m = 0; m < 5; m++)
                    sum[m] = sum[m] + v[k][j][i][m];
}

/* serial: the guard may skip elements */
void guarded(double sum[5]) {
    int i, j, k, m;
    for (k = 1; k < nz0 - 1; k++)
        for (j = jst; j < jend; j++)
            for (i = ist; i < iend; i++)
                for (m = 0; m < 5; m++)
                    if (v[k][j][i][m] > 0.5)
                        sum[m] = sum[m] + v[k][j][i][m];
}

/* serial: the nest shortens its own inner loop */
void shortened(double sum[5], int hi) {
    int i, j, k, m;
    for (k = 1; k < nz0 - 1; k++) {
        for (j = jst; j < hi; j++)
            for (i = ist; i < iend; i++)
                for (m = 0; m < 5; m++)
                    sum[m] = sum[m] + v[k][j][i][m];
        hi = hi > jst + 1 ? hi - 1 : hi;
    }
}

int main(void) {
    double sum[5] = {0.0, 0.0, 0.0, 0.0, 0.0}, empty[5] = {-0.0, -0.0, -0.0, -0.0, -0.0};
    // autopar: off
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int m = 0; m < 5; m++)
                    v[k][j][i][m] = (double)((k * 3 + j * 5 + i * 7 + m) % 11) * 0.125;
    nz0 = N; ist = 1; iend = N - 1; jst = 1; jend = N - 1;
    grid_points[0] = grid_points[1] = grid_points[2] = N;
    l2norm(N, 1, N - 1, 1, N - 1, sum);
    l2norm(N, 1, N - 1, 5, 5, empty);  /* no row: empty keeps its signs */
    rhs_norm(sum);
    moving(sum);
    guarded(sum);
    shortened(sum, N - 1);
    // autopar: off
    for (int m = 0; m < 5; m++)
        printf("%.12g %d\n", sum[m], empty[m] == 0.0 && __builtin_signbit(empty[m]) != 0);
    return 0;
}
