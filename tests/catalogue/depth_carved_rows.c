/* Row tables carved from one block, as old C builds its matrices: `a[i] = block + i * m` from one
   allocation, or `a[i] = a[i - 1] + m` after `a[0] = malloc(n * m * ...)`. The rows lie in memory only
   the table reaches when the block is used for nothing else, but they are no allocations of their
   own: `a[i][m]` is `a[i + 1][0]`. So a loop that only reads such a table runs in parallel as over a
   2-D array, and one that writes it runs in parallel under a run-time check that its rows lie
   further apart than the columns it touches (each row at least that many elements after the one
   before). Near misses stay serial: a block also used on its own, carved into two tables, handed to
   a function, or kept in a static; a dependence from the row before; a loop that moves a row; a
   write under a condition (its rows cannot be bounded exactly for the check); a table of three levels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 240
#define M 260

static double *kept;

static double **carve_block(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    double *block = calloc((size_t)n * m, sizeof(double));
    if (!a || !block)
        return NULL;
    for (int i = 0; i < n; i++)
        a[i] = block + (size_t)i * m;
    return a;
}

/* Numerical Recipes' dmatrix: each row from the one before */
static double **carve_chain(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    a[0] = malloc((size_t)n * m * sizeof(double));
    for (int i = 1; i < n; i++)
        a[i] = a[i - 1] + m;
    return a;
}

/* the caller's table, carved here with `&block[...]` */
static void carve_into(double **a, int n, int m) {
    double *block;
    block = malloc((size_t)n * m * sizeof *block);
    for (int i = 0; i < n; i++)
        a[i] = &block[(size_t)i * m];
}

/* near misses: a block also written on its own, one carved into two tables, one handed to memset,
   one kept in a static */
static double **carve_touched(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    double *block = malloc((size_t)n * m * sizeof(double));
    for (int k = 0; k < n * m; k++)
        block[k] = 1.0;
    for (int i = 0; i < n; i++)
        a[i] = block + (size_t)i * m;
    return a;
}

static double **two_tables(int n, int m, double ***second) {
    double **a = malloc(n * sizeof(double *)), **b = malloc(n * sizeof(double *));
    double *block = calloc((size_t)n * m, sizeof(double));
    for (int i = 0; i < n; i++) {
        a[i] = block + (size_t)i * m;
        b[i] = block + (size_t)i * m;
    }
    *second = b;
    return a;
}

static double **carve_cleared(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    double *block = malloc((size_t)n * m * sizeof(double));
    memset(block, 0, (size_t)n * m * sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = block + (size_t)i * m;
    return a;
}

static double **carve_kept(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    double *block = calloc((size_t)n * m, sizeof(double));
    kept = block;
    for (int i = 0; i < n; i++)
        a[i] = block + (size_t)i * m;
    return a;
}

/* parallel under the check: out is written, in is only read */
static void jacobi(double **out, double **in, int n, int m) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < m - 1; j++)
            out[i][j] = 0.25 * (in[i - 1][j] + in[i + 1][j] + in[i][j - 1] + in[i][j + 1]);
}

/* parallel under the check: in place */
static void scale_chain(double **a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = a[i][j] * 0.5 + (double)(i - j);
}

/* parallel, no check: the carved table is only read */
static void matvec(double **a, const double *x, double *y, int n, int m) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++)
            s += a[i][j] * x[j];
        y[i] = s;
    }
}

/* parallel under the check: a triangle of the table the caller carved */
static void lower_triangle(double **a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
            a[i][j] = a[i][j] + 1.0 / (double)(i + j + 1);
}

/* a time loop swapping two carved tables: each sweep under the check, the time loop serial */
static double heat(int steps) {
    double **u = carve_block(N, M), **w = carve_chain(N, M);
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            u[i][j] = w[i][j] = (double)((i * 5 + j * 3) % 17);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < M - 1; j++)
                w[i][j] = u[i][j] + 0.1 * (u[i - 1][j] + u[i + 1][j] - 2.0 * u[i][j]);
        double **swap = u;
        u = w;
        w = swap;
    }
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            s += u[i][j] * (double)(j % 3 + 1);
    return s;
}

/* serial: each row from the row before */
static void carried(double **a, int n, int m) {
    for (int i = 1; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = a[i - 1][j] * 0.5 + 1.0;
}

/* serial: the loop moves its rows */
static void moves_rows(double **a, int n, int m) {
    for (int i = 1; i < n; i++) {
        for (int j = 0; j < m; j++)
            a[i][j] = a[i][j] + 2.0;
        a[i] = a[i - 1] + m;
    }
}

/* serial: a write under a condition (its rows cannot be bounded exactly for the check) */
static void masked(double **a, const int *mask, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            if (mask[i])
                a[i][j] = -a[i][j];
}

/* serial: the block is written on its own too (no update of one operator: no atomic updates either) */
static void touched_rows(double **a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = 0.5 * a[i][j] + 1.0;
}

/* serial: two tables carved from one block */
static void two_views(double **a, double **b, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = b[i][j] + 1.0;
}

/* serial: the block is handed to memset */
static void cleared_rows(double **a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = 0.5 * a[i][j] + 3.0;
}

/* serial: a static keeps the block */
static void kept_rows(double **a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = kept[j] + 1.0;
}

static double checksum(double **a, int n, int m) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            s += a[i][j] * (double)((i + 2 * j) % 7 + 1);
    return s;
}

static void fill(double **a, int n, int m, int seed) {
    // autopar: off
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = (double)((i * seed + j * 5) % 17) * 0.25;
}

int main(void) {
    double **a = carve_block(N, M), **b = carve_chain(N, M), **sq = malloc(N * sizeof(double *));
    double **second = NULL;
    carve_into(sq, N, N);
    fill(a, N, M, 3);
    fill(b, N, M, 7);
    fill(sq, N, N, 11);
    jacobi(b, a, N, M); printf("jacobi %.10g\n", checksum(b, N, M));
    scale_chain(b, N, M); printf("scale_chain %.10g\n", checksum(b, N, M));
    double *x = malloc(M * sizeof(double)), *y = malloc(N * sizeof(double));
    // autopar: off
    for (int j = 0; j < M; j++)
        x[j] = (double)(j % 9) * 0.5;
    matvec(a, x, y, N, M);
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += y[i] * (i % 3 + 1);
    printf("matvec %.10g\n", s);
    lower_triangle(sq, N); printf("lower_triangle %.10g\n", checksum(sq, N, N));
    printf("heat %.10g\n", heat(5));
    carried(a, N, M); printf("carried %.10g\n", checksum(a, N, M));
    moves_rows(b, N, M); printf("moves_rows %.10g\n", checksum(b, N, M));
    int *mask = malloc(N * sizeof(int));
    // autopar: off
    for (int i = 0; i < N; i++)
        mask[i] = i % 3 == 0;
    masked(a, mask, N, M); printf("masked %.10g\n", checksum(a, N, M));
    double **t = carve_touched(N, M);
    touched_rows(t, N, M); printf("touched_rows %.10g\n", checksum(t, N, M));
    double **v = two_tables(N, M, &second);
    two_views(v, second, N, M); printf("two_views %.10g\n", checksum(v, N, M));
    double **c = carve_cleared(N, M);
    cleared_rows(c, N, M); printf("cleared_rows %.10g\n", checksum(c, N, M));
    double **k = carve_kept(N, M);
    kept_rows(k, N, M); printf("kept_rows %.10g\n", checksum(k, N, M));
    return 0;
}
