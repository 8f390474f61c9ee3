/* Bounds and subscripts with min, max, ?:, division by a constant and struct fields (issue 14,
   class 2), and near misses that must stay serial. */
#include <stdio.h>
#include <stdlib.h>

#define floord(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))
#define min(x, y) ((x) < (y) ? (x) : (y))
#define max(x, y) ((x) > (y) ? (x) : (y))
#define L 20000

struct vec { int len; double *data; };
struct grid { int nx; int ny; };
double A[L + 64], B[L + 64];
int IA[L + 64];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* a bound that is the smaller of two expressions, spelled with ?: */
void min_bound(int n, int m) {
    for (int c2 = 0; c2 <= (n - 1 < m - 1 ? n - 1 : m - 1); c2++)
        A[c2] = B[c2] * 2.0 + 1.0;
}

/* tiles from a polyhedral code generator: floord and min */
void tiled(int n) {
    for (int t = 0; t <= floord(n - 1, 32); t++)
        for (int i = 32 * t; i <= min(n - 1, 32 * t + 31); i++)
            A[i] = A[i] * 0.5 + B[i];
}

/* a lower bound that is the larger of two expressions */
void max_lower(int n, int lo) {
    for (int i = max(1, lo); i < n; i++)
        A[i] = B[i - 1] + B[i];
}

/* half the array: reads the upper half, writes the lower */
void half_bound(int n) {
    for (int i = 0; i < n / 2; i++)
        A[i] = A[i + n / 2] * 0.5;
}

/* a struct field the loop does not write, in the bound and in a subscript */
void member_offset(struct vec *v) {
    for (int i = 0; i < v->len; i++)
        v->data[i] = v->data[i + v->len] + 1.0;
}

/* a struct passed by value: s.nx and s.ny are parameters */
void by_value(struct grid s, double *restrict out) {
    for (int i = 0; i < s.ny; i++)
        for (int j = 0; j < s.nx; j++)
            out[i * s.nx + j] = (double)(i - j) * 0.5;
}

/* serial: the min bound is modelled exactly, and the loop really carries a flow dependence */
void min_bound_flow(int n, int m) {
    for (int i = 1; i <= min(n - 1, m); i++)
        A[i] = A[i - 1] + B[i];
}

/* serial: tiles that overlap by one element */
void tiled_overlap(int n) {
    for (int t = 0; t <= floord(n - 1, 32); t++)
        for (int i = 32 * t; i <= min(n - 1, 32 * t + 32); i++)
            A[i] = A[i] + 1.0;
}

/* serial: the loop writes int memory that may be v->len, so the field is not a parameter */
void member_may_change(struct vec *v, int *counts) {
    for (int i = 0; i < 64; i++) {
        counts[i] = i;
        v->data[i + v->len] = v->data[i] * 2.0;
    }
}

/* serial: i / 2 names the same element in two iterations */
void halves(int n) {
    for (int i = 0; i < n; i++)
        A[i / 2] = B[i];
}

/* serial: the upper bound is a max, the read may reach elements the other half writes */
void max_upper(int n, int m) {
    for (int i = 0; i < max(n, m); i++)
        A[i] = A[i + m] + 1.0;
}

/* a bound converted to a narrower type is a value the loop cannot change, whatever the conversion does */
void narrowed_bound(unsigned long n) {
    for (int i = 0; i < (int)n; i++)
        A[i] = B[i] * 0.5;
}

/* serial: the same bound, a carried dependence */
void narrowed_bound_flow(long n) {
    for (int i = 1; i < (int)n; i++)
        A[i] = A[i - 1] + B[i];
}

/* array parameters under a ?: bound (generated code): the touched rows end at the min, which
   bounds the runtime check */
void min_bound_params(int ni, int nj, double X[128][128], double Y[128][128]) {
    for (int c1 = 0; c1 <= (ni - 1 < nj - 1 ? ni - 1 : nj - 1); c1++)
        for (int c2 = 0; c2 <= nj - 1; c2++)
            X[c1][c2] = Y[c1][c2] * 0.5 + (double)c2;
}

/* the same through rows shifted by one: row c1 + 1 of X is row c1 of Y when X is Y + 1 */
void min_bound_params_flow(int ni, int nj, double X[128][128], double Y[128][128]) {
    for (int c1 = 0; c1 <= (ni - 1 < nj - 1 ? ni - 1 : nj - 1); c1++)
        for (int c2 = 0; c2 <= nj - 1; c2++)
            X[c1][c2] = Y[c1][c2] * 0.5 + X[c1][c2];
}

#define ceild(n, d) (((n) < 0) ? -((-(n)) / (d)) : ((n) + (d) - 1) / (d))

/* generated code: a window from ceil(t / 2) to floor((t + 9999) / 2), at most 5000 values; the read
   5000 on is past its end */
void window_quasi(int t) {
    for (int c1 = ceild(t, 2); c1 <= floord(t + 9999, 2); c1++)
        A[c1 + 8] = A[c1 + 5008] * 0.5 + 1.0;
}

/* serial: the read 4999 on is inside the window */
void window_quasi_flow(int t) {
    for (int c1 = ceild(t, 2); c1 <= floord(t + 9999, 2); c1++)
        A[c1 + 8] = A[c1 + 5007] * 0.5 + 1.0;
}

/* a skewed band over an outer counter, its ceiling and floor spelled out with their sign tests as a
   polyhedral generator prints them: rows 3 c1 - 2 c0 of array parameters, bounded for the runtime
   check by those bounds */
void skewed_band(double X[][64], double Y[][64]) {
    for (int c0 = 2; c0 <= 300; c0++)
        for (int c1 = ((((2 * c0 + 2) * 3 < 0 ? -(-(2 * c0 + 2) / 3) : ((3 < 0 ? (-(2 * c0 + 2) + -3 - 1) / -3 : (2 * c0 + 2 + 3 - 1) / 3))) > c0 + -200) ? ((2 * c0 + 2) * 3 < 0 ? -(-(2 * c0 + 2) / 3) : ((3 < 0 ? (-(2 * c0 + 2) + -3 - 1) / -3 : (2 * c0 + 2 + 3 - 1) / 3))) : c0 + -200);
             c1 <= ((((2 * c0 + 600) * 3 < 0 ? ((3 < 0 ? -((-(2 * c0 + 600) + 3 + 1) / 3) : -((-(2 * c0 + 600) + 3 - 1) / 3))) : (2 * c0 + 600) / 3) < c0) ? (((2 * c0 + 600) * 3 < 0 ? ((3 < 0 ? -((-(2 * c0 + 600) + 3 + 1) / 3) : -((-(2 * c0 + 600) + 3 - 1) / 3))) : (2 * c0 + 600) / 3)) : c0); c1++)
            for (int j = 0; j < 64; j++)
                Y[-2 * c0 + 3 * c1][j] = 0.5 * X[-2 * c0 + 3 * c1][j] + (double)c1;
}

/* serial: each iteration reads the row the next one writes */
void skewed_band_flow(double X[][64]) {
    for (int c0 = 2; c0 <= 300; c0++)
        for (int c1 = max(ceild(2 * c0 + 2, 3), c0 - 200); c1 <= min(floord(2 * c0 + 600, 3), c0); c1++)
            for (int j = 0; j < 64; j++)
                X[-2 * c0 + 3 * c1][j] = 0.5 * X[-2 * c0 + 3 * c1 + 3][j] + (double)c1;
}

/* serial: C's `/` truncates toward zero: (c0 - 3) / 2 is -1 at c0 = 0, where the floor is -2, and
   iteration -1 writes the element every iteration reads */
void truncated_end(void) {
    for (int c0 = -6; c0 <= 0; c0 += 2)
        for (int c1 = -400; c1 <= (c0 - 3) / 2; c1++)
            A[c1 + 410] = A[409] * 0.5 + (double)c1;
}

/* a statement under an affine test: each iteration that writes stays below n, where no iteration
   reads */
void guarded_half(int n) {
    for (int i = 0; i < 2 * n; i++)
        if (i < n)
            A[i] = A[i + n] * 0.5 + 1.0;
}

/* the same in the else-branch of the opposite test */
void guarded_else(int n) {
    for (int i = 0; i < 2 * n; i++)
        if (i >= n)
            B[i] = (double)i;
        else
            A[i] = A[i + n] * 0.5 + 1.0;
}

/* generated code: the test is a floord (i <= n - 1) */
void guarded_floord(int n) {
    for (int i = 0; i < 2 * n; i++)
        if (i <= floord(2 * n - 1, 2))
            A[i] = A[i + n] * 0.5 + 1.0;
}

/* serial: i <= n lets iteration n write the element iteration 0 reads */
void guarded_half_flow(int n) {
    for (int i = 0; i < 2 * n; i++)
        if (i <= floord(2 * n + 1, 2))
            A[i] = A[i + n] * 0.5 + 1.0;
}

/* serial: the read under the test never meets the write, the same read outside it does (the two
   reads have the same loops and subscript, not the same domain) */
void guarded_twice_flow(int n) {
    for (int i = 0; i < 2 * n; i++) {
        double t = 0.0;
        if (i < n)
            t = A[i + n];
        A[i + 2 * n] = t + A[i + n] * 0.5;
    }
}

double RW[128][64];

/* serial: under the test, RW[i][j - 1] at j = 0 is RW[i - 1][63], which iteration i - 1 writes */
void guarded_row_flow(int n, int k) {
    for (int i = 1; i < n; i++)
        for (int j = 0; j < 64; j++) {
            RW[i][j] = RW[i][j] * 0.5;
            if (k > 0)
                RW[i][j - 1] += 1.0;
        }
}

/* red-black sweep: a point of one colour reads only its neighbours of the other */
void red_black(int n, int color) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < 63; j++)
            if ((i + j) % 2 == color)
                RW[i][j] = 0.25 * (RW[i - 1][j] + RW[i + 1][j] + RW[i][j - 1] + RW[i][j + 1]);
}

/* serial: the diagonal neighbour has the same colour */
void red_black_flow(int n, int color) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < 63; j++)
            if ((i + j) % 2 == color)
                RW[i][j] = 0.5 * (RW[i - 1][j - 1] + RW[i][j]);
}

/* red-black sweep that steps over the other colour: j starts at 1 or 2 by the row's parity */
void red_black_step(int n, int color) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1 + (i + color + 1) % 2; j < 63; j += 2)
            RW[i][j] = 0.25 * (RW[i - 1][j] + RW[i + 1][j] + RW[i][j - 1] + RW[i][j + 1]);
}

/* serial: the diagonal neighbour has the same colour */
void red_black_step_flow(int n, int color) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1 + (i + color + 1) % 2; j < 63; j += 2)
            RW[i][j] = 0.5 * (RW[i - 1][j + 1] + RW[i][j]);
}

int main(void) {
    for (int i = 0; i < L + 64; i++) {
        A[i] = (double)(i % 11);
        B[i] = (double)(i % 7);
        IA[i] = 0;
    }
    int n = L;
    min_bound(n, n - 5); cks("min_bound", A, L);
    tiled(n - 3); cks("tiled", A, L);
    max_lower(n, 3); cks("max_lower", A, L);
    half_bound(n); cks("half_bound", A, L);
    { struct vec v = {L / 2, A}; member_offset(&v); } cks("member_offset", A, L);
    {
        struct grid g = {100, 150};
        double *out = malloc(sizeof(double) * 100 * 150);
        by_value(g, out); cks("by_value", out, 100 * 150);
        free(out);
    }
    min_bound_flow(n, n - 7); cks("min_bound_flow", A, L);
    tiled_overlap(n - 40); cks("tiled_overlap", A, L);
    { struct vec v = {64, A}; member_may_change(&v, IA); } cks("member_may_change", A, L);
    halves(n); cks("halves", A, L);
    max_upper(n / 2, 10); cks("max_upper", A, L);
    narrowed_bound((unsigned long)n); cks("narrowed_bound", A, L);
    narrowed_bound_flow(n); cks("narrowed_bound_flow", A, L);
    {
        double (*P)[128] = calloc(130 * 128, sizeof(double));
        double (*Q)[128] = calloc(128 * 128, sizeof(double));
        for (int i = 0; i < 130 * 128; i++)
            P[0][i] = (double)(i % 9);
        min_bound_params(120, 128, Q, P); cks("min_bound_params", Q[0], 128 * 128);
        min_bound_params_flow(120, 128, P + 1, P); cks("min_bound_params_flow", P[0], 130 * 128);
        free(P);
        free(Q);
    }
    window_quasi(-7); cks("window_quasi", A, L);
    window_quasi_flow(6); cks("window_quasi_flow", A, L);
    {
        double (*P)[64] = calloc(310 * 64, sizeof(double));
        double (*Q)[64] = calloc(310 * 64, sizeof(double));
        for (int i = 0; i < 310 * 64; i++)
            P[0][i] = (double)(i % 9);
        skewed_band(P, Q); cks("skewed_band", Q[0], 310 * 64);
        skewed_band_flow(P); cks("skewed_band_flow", P[0], 310 * 64);
        free(P);
        free(Q);
    }
    truncated_end(); cks("truncated_end", A, L);
    guarded_half(L / 2); cks("guarded_half", A, L);
    guarded_else(L / 2 - 3); cks("guarded_else", A, L);
    guarded_floord(L / 2 - 5); cks("guarded_floord", A, L);
    guarded_half_flow(L / 2 - 7); cks("guarded_half_flow", A, L);
    guarded_twice_flow(L / 4 - 9); cks("guarded_twice_flow", A, L);
    for (int i = 0; i < 128; i++)
        for (int j = 0; j < 64; j++)
            RW[i][j] = (double)((i * 7 + j) % 17);
    guarded_row_flow(128, 1); cks("guarded_row_flow", &RW[0][0], 128 * 64);
    red_black(128, 0); red_black(128, 1); cks("red_black", &RW[0][0], 128 * 64);
    red_black_flow(128, 1); cks("red_black_flow", &RW[0][0], 128 * 64);
    red_black_step(128, 0); red_black_step(128, 1); cks("red_black_step", &RW[0][0], 128 * 64);
    red_black_step_flow(128, 0); cks("red_black_step_flow", &RW[0][0], 128 * 64);
    return 0;
}
