/* Multi-level pointers (issue 14, class 6): accesses through loaded row pointers stay serial, with
   the loaded pointers named in the reason; a row pointer copied to a local is one array again. */
#include <stdio.h>
#include <stdlib.h>

#define N 512

static void cks(const char *name, double **a, int n, int m) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        // autopar: off
        for (int j = 0; j < m; j++)
            s += a[i][j] * (double)((i + j) % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* rows from one allocation, distinct: an expert runs this in parallel; the analysis cannot show
   that the rows are disjoint and keeps it serial (a known miss, never a race) */
void rows_distinct(double **u, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            u[i][j] = u[i][j] * 0.5 + 1.0;
}

/* serial, and it must be: every row pointer is the same buffer */
void rows_shared(double **s, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            s[i][j] = s[i][j] + (double)i;
}

/* three levels */
void three_levels(double ***w, int n) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            for (int k = 0; k < n; k++)
                w[i][j][k] = (double)(i + j + k);
}

/* the row pointer copied to a local: the inner loop indexes one array */
void row_local(double **u, int n) {
    for (int i = 0; i < n; i++) {
        double *row = u[i];
        for (int j = 0; j < n; j++)
            row[j] = row[j] * 2.0 + (double)j;
    }
}

/* serial: a pointer declared in the body reads what the previous iteration wrote (c[i + m - 1]);
   no runtime check can name it where the pragma is (a shadowed p outside would be another one) */
double lc[N + 16], lb[N];
void loop_local_pointer(int n) {
    int m = 8;
    double *p = lb;
    for (int i = 0; i < n; i++) {
        lc[i + m] = (double)(i % 5);
        double *p = &lc[0] + m;
        lb[i] += p[i - 1];
    }
    (void)p;
}

/* runtime check: q is a copy of x, so it reaches what x does, restrict or not (q[i + 1] is the next
   iteration's x[i + 1]); the check fails on this call and the serial copy runs */
void copied_restrict(double *restrict x, const double *restrict g, int n) {
    const double *q = x;
    for (int i = 0; i < n; i++)
        x[i] = q[i + 1] * 0.5 + g[i];
}

/* runtime check: gp and hold.p hold x's address, stored in the function before the loop */
const double *gp;
struct holder { const double *p; } hold;
void stored_restrict(double *restrict x, const double *restrict g, int n) {
    gp = x;
    for (int i = 0; i < n; i++)
        x[i] = gp[i + 1] * 0.5 + g[i];
}
void member_restrict(double *restrict x, const double *restrict g, int n) {
    hold.p = x + 0;
    for (int i = 0; i < n; i++)
        x[i] = hold.p[i + 1] * 0.25 + g[i];
}

int main(void) {
    double *block = malloc(sizeof(double) * N * N), **u = malloc(sizeof(double *) * N);
    double *one = malloc(sizeof(double) * N), **s = malloc(sizeof(double *) * N);
    double *cube = malloc(sizeof(double) * 4 * 8 * N), **planes = malloc(sizeof(double *) * 32);
    double ***w = malloc(sizeof(double **) * 4);
    for (int i = 0; i < N; i++) {
        u[i] = block + (size_t)i * N;
        s[i] = one;
        one[i] = (double)(i % 3);
    }
    for (int i = 0; i < N * N; i++)
        block[i] = (double)(i % 7);
    for (int p = 0; p < 32; p++)
        planes[p] = cube + (size_t)p * N;
    for (int i = 0; i < 4; i++)
        w[i] = planes + 8 * i;
    rows_distinct(u, N); cks("rows_distinct", u, N, N);
    rows_shared(s, N); cks("rows_shared", s, 1, N);
    three_levels(w, N); cks("three_levels", planes, 32, N);
    row_local(u, N); cks("row_local", u, N, N);
    loop_local_pointer(N); { double *rows[1] = {lb}; cks("loop_local_pointer", rows, 1, N); }
    copied_restrict(block, one, N - 1); cks("copied_restrict", u, N, N);
    stored_restrict(block, one, N - 1); cks("stored_restrict", u, N, N);
    member_restrict(block, one, N - 1); cks("member_restrict", u, N, N);
    free(block); free(u); free(one); free(s); free(cube); free(planes); free(w);
    return 0;
}
