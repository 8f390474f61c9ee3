/* Scratch arrays of a sweep (as in the NAS MG solver's resid): a local array that the function names
   only inside one loop, written before it is read in every iteration, is private to that loop.
   Arrays passed as `void *` and cast to local VLA pointers keep their parameters' facts. */
#include <stdio.h>

#define NM 34
static double U[NM * NM * NM], V[NM * NM * NM], R[NM * NM * NM], S[NM * NM * NM];
static double A[4] = {-8.0 / 3.0, 0.0, 1.0 / 6.0, 1.0 / 12.0};
double last_seen;

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* resid of NAS MG: u1 and u2 hold one row each; the i3 loop is parallel with private copies */
static void resid(void *ou, void *ov, void *or, int n1, int n2, int n3, double a[4]) {
    double (*u)[n2][n1] = (double (*)[n2][n1])ou;
    double (*v)[n2][n1] = (double (*)[n2][n1])ov;
    double (*r)[n2][n1] = (double (*)[n2][n1])or;
    int i3, i2, i1;
    double u1[NM], u2[NM];
    for (i3 = 1; i3 < n3 - 1; i3++) {
        for (i2 = 1; i2 < n2 - 1; i2++) {
            for (i1 = 0; i1 < n1; i1++) {
                u1[i1] = u[i3][i2 - 1][i1] + u[i3][i2 + 1][i1] + u[i3 - 1][i2][i1] + u[i3 + 1][i2][i1];
                u2[i1] = u[i3 - 1][i2 - 1][i1] + u[i3 - 1][i2 + 1][i1] + u[i3 + 1][i2 - 1][i1] + u[i3 + 1][i2 + 1][i1];
            }
            for (i1 = 1; i1 < n1 - 1; i1++)
                r[i3][i2][i1] = v[i3][i2][i1] - a[0] * u[i3][i2][i1] - a[2] * (u2[i1] + u1[i1 - 1] + u1[i1 + 1])
                                - a[3] * (u2[i1 - 1] + u2[i1 + 1]);
        }
    }
}

/* parallel: the scratch row is read after the loop, so its last values matter: every iteration
   writes row[0..m - 1], so a copy that starts as the row and is copied back leaves them */
void scratch_read_after(double *restrict out, const double *restrict in, int n, int m) {
    double row[NM];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            row[j] = in[i * m + j] * 2.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = row[j] - row[j - 1];
    }
    last_seen = row[0];
}

/* parallel: a pointer to the scratch row escapes before the loop and reads it afterwards, which the
   copy-back serves (the loop itself never reads through it) */
void scratch_escapes(double *restrict out, const double *restrict in, int n, int m) {
    double row[NM];
    double *keep = row;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            row[j] = in[i * m + j] * 3.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = row[j] + row[j - 1];
    }
    last_seen = keep[1];
}

/* serial: the scratch row is only partly written (j from 1), so iterations read each other's */
void scratch_partial(double *restrict out, const double *restrict in, int n, int m) {
    double row[NM] = {0.0};
    for (int i = 0; i < n; i++) {
        for (int j = 1; j < m; j++)
            row[j] = in[i * m + j] * 4.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = row[j] + row[j - 1];
    }
}

/* a parameter never reassigned cannot point into the function's own array: no runtime check */
void entry_pointer(double *out, const double *in, int n) {
    double tmp[NM];
    for (int j = 0; j < NM; j++)
        tmp[j] = in[j] * 0.5;
    for (int i = 0; i < n; i++)
        out[i] = tmp[i % NM] + 1.0;
}

/* runtime check kept: the pointer is moved onto the local array before the loop */
void moved_pointer(double *out, const double *in, int n) {
    double tmp[NM];
    for (int j = 0; j < NM; j++)
        tmp[j] = j * 0.25;
    if (n < 0)
        in = tmp;
    for (int j = 0; j < NM - 1; j++)
        tmp[j + 1] = in[j] * 0.5;
    out[0] = tmp[NM - 1];
}

int main(void) {
    int n = NM, total = NM * NM * NM;
    for (int i = 0; i < total; i++) {
        U[i] = (double)(i % 17) * 0.1;
        V[i] = (double)(i % 5) * 0.3;
        R[i] = 0.0;
        S[i] = 0.0;
    }
    resid(U, V, R, n, n, n, A); cks("resid", R, total);
    scratch_read_after(S, U, n, n); cks("scratch_read_after", S, total); printf("last %.12g\n", last_seen);
    scratch_escapes(S, V, n, n); cks("scratch_escapes", S, total); printf("last %.12g\n", last_seen);
    scratch_partial(S, U, n, n); cks("scratch_partial", S, total);
    entry_pointer(S, U, total); cks("entry_pointer", S, total);
    moved_pointer(S, V, total); cks("moved_pointer", S, 1);
    return 0;
}
