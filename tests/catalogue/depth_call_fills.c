/* Loops that fill small local arrays through calls (NAS LU's setiv, BT's exact_rhs: `exact(i, j, k,
   ue)` writes ue[0..4] on every call): a same-file function that stores every element of its
   parameter's box on every call makes those stores unconditional accesses at the call, and passing
   the array to it is indexing it in effect, so the array is private to each iteration. Counters
   declared before their loops (old C's `int m; for (m = 0; m < 5; m++)`) bound the boxes too.
   Before, each such loop stayed serial ("calls exact, which writes through its argument ue").
   Near misses stay serial: a callee that stores under a condition, that may return first, or that
   stores every other element, and a callee that reads the array before storing it. */
#include <stdio.h>

#define NX 16
#define NY 16
#define NZ 12

static double u[NZ][NY][NX][5];
static double ce[5][4];

static void exact(int i, int j, int k, double ue[5]) {
    int m;
    for (m = 0; m < 5; m++)
        ue[m] = ce[m][0] + ce[m][1] * i + ce[m][2] * j + ce[m][3] * k;
}

static void exact_if(int i, int j, int k, double ue[5]) {
    int m;
    for (m = 0; m < 5; m++)
        if (i + j > k)
            ue[m] = ce[m][0] * i + ce[m][1] * j;
}

static void exact_early(int i, int j, int k, double ue[5]) {
    int m;
    if (i == j)
        return;
    for (m = 0; m < 5; m++)
        ue[m] = ce[m][2] * k;
}

static void exact_even(int i, int j, int k, double ue[10]) {
    int m;
    for (m = 0; m < 5; m++)
        ue[2 * m] = ce[m][3] * (i + j + k);
}

static void accumulate(int i, int j, int k, double ue[5]) {
    int m;
    for (m = 0; m < 5; m++)
        ue[m] = ue[m] * 0.5 + ce[m][0] * (i - j + k);
}

/* NAS LU's setiv: blend the boundary values of the exact solution into the interior */
void setiv(void) {
    int i, j, k, m;
    double west[5], east[5], south[5], north[5];
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                double xi = (double)i / (NX - 1), eta = (double)j / (NY - 1);
                exact(0, j, k, west);
                exact(NX - 1, j, k, east);
                exact(i, 0, k, south);
                exact(i, NY - 1, k, north);
                for (m = 0; m < 5; m++)
                    u[k][j][i][m] = (1.0 - xi) * west[m] + xi * east[m] + (1.0 - eta) * south[m] + eta * north[m];
            }
}

/* serial: exact_if may leave ue as the previous point left it */
void set_if(void) {
    int i, j, k;
    double ue[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                exact_if(i, j, k, ue);
                u[k][j][i][0] = ue[0] + ue[4];
            }
}

/* serial: exact_early may return before it stores anything */
void set_early(void) {
    int i, j, k;
    double ue[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                exact_early(i, j, k, ue);
                u[k][j][i][1] += ue[1] - ue[3];
            }
}

/* serial: exact_even stores every other element; the odd ones keep what came before */
void set_even(void) {
    int i, j, k;
    double ue[10] = {0.0};
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                exact_even(i, j, k, ue);
                u[k][j][i][0] = ue[0] + ue[1] + ue[8];
            }
}

/* serial: accumulate reads each element before it stores it */
void set_accumulated(void) {
    int i, j, k;
    double ue[5] = {1.0, 1.0, 1.0, 1.0, 1.0};
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                accumulate(i, j, k, ue);
                u[k][j][i][2] = ue[2];
            }
}

static double checksum(void) {
    double s = 0.0;
    // autopar: off
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++)
                for (int m = 0; m < 5; m++)
                    s += u[k][j][i][m] * (double)((i + 2 * j + 3 * k + m) % 7 + 1);
    return s;
}

int main(void) {
    // autopar: off
    for (int m = 0; m < 5; m++)
        for (int n = 0; n < 4; n++)
            ce[m][n] = 1.0 + 0.1 * m + 0.01 * n;
    setiv(); printf("setiv %.10g\n", checksum());
    set_if(); printf("set_if %.10g\n", checksum());
    set_early(); printf("set_early %.10g\n", checksum());
    set_even(); printf("set_even %.10g\n", checksum());
    set_accumulated(); printf("set_accumulated %.10g\n", checksum());
    return 0;
}
