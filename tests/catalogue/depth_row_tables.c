/* Multi-level pointers whose rows are allocations of their own: `double **a` built as
   `a = malloc(n * sizeof *a); for (i...) a[i] = malloc(m * sizeof **a);` (and `double ***u` the same
   way, one level deeper), then handed to the kernels. The file shows every row pointer is set once
   from its own allocation and never shared, so `a[i][j]` is indexed like a 2-D array: rows of
   different iterations are apart, and apart from a vector allocated on its own. Rows carved from one
   block (`block + i * m`, which a subscript past m would leave) need a run-time check that the rows lie
   apart (depth_carved_rows.c). Near misses stay serial: a row stored twice, one table passed for two parameters,
   a row pointer kept in another variable, a row written from the one before, a global table handed
   to a function. A static table that the functions name directly is followed too. */
#include <stdio.h>
#include <stdlib.h>

#define N 160
#define M 200
#define L 24

static double sums[N];

static double **alloc_rows(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    for (int i = 0; i < n; i++)
        a[i] = calloc(m, sizeof(double));
    return a;
}

static double ***alloc_cube(int n, int m, int l) {
    double ***u = malloc(n * sizeof(double **));
    for (int i = 0; i < n; i++) {
        u[i] = malloc(m * sizeof(double *));
        for (int j = 0; j < m; j++)
            u[i][j] = calloc(l, sizeof(double));
    }
    return u;
}

/* rows carved from one block: a subscript past m would reach the next row */
static double **alloc_block(int n, int m) {
    double **a = malloc(n * sizeof(double *));
    double *block = calloc((size_t)n * m, sizeof(double));
    for (int i = 0; i < n; i++)
        a[i] = block + (size_t)i * m;
    return a;
}

static void scale_row(double *row, int m, double s) {
    for (int j = 0; j < m; j++)
        row[j] = row[j] * s + 1.0;
}

static void smooth(double **out, double **in) {
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < M - 1; j++)
            out[i][j] = 0.25 * (in[i - 1][j] + in[i + 1][j] + in[i][j - 1] + in[i][j + 1]);
}

static void row_sums(double **a) {
    for (int i = 0; i < N; i++) {
        double s = 0.0;
        for (int j = 0; j < M; j++)
            s += a[i][j] * (double)(j % 3 + 1);
        sums[i] = s;
    }
}

/* y is a fresh allocation at the only call: none of a's rows */
static void matvec(double **a, const double *x, double *y) {
    for (int i = 0; i < N; i++) {
        double s = 0.0;
        for (int j = 0; j < M; j++)
            s += a[i][j] * x[j];
        y[i] = s;
    }
}

static void transpose(double **t, double **a) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            t[j][i] = a[i][j] + 0.5;
}

static void scale_rows(double **a) {
    for (int i = 0; i < N; i++)
        scale_row(a[i], M, 0.75);
}

static void cube_sweep(double ***v, double ***u) {
    for (int i = 1; i < L - 1; i++)
        for (int j = 0; j < L; j++)
            for (int k = 0; k < L; k++)
                v[i][j][k] = 0.5 * (u[i - 1][j][k] + u[i + 1][j][k]) + 0.1 * k;
}

/* a time loop swapping its two tables: each sweep runs in parallel, the time loop stays serial */
static double jacobi_steps(int steps) {
    double **u = alloc_rows(N, M), **w = alloc_rows(N, M);
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            u[i][j] = w[i][j] = (double)((i * 3 + j * 7) % 13);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < M - 1; j++)
                w[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);
        double **swap = u;
        u = w;
        w = swap;
    }
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            s += u[i][j] * (double)(i % 5 + 1);
    return s;
}

/* rows carved from one block: parallel under the check that they lie apart */
static void block_rows(double **b) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            b[i][j] = b[i][j] * 0.5 + (double)j;
}

/* serial: row 1 is row 0 */
static void shared_rows(double **c) {
    for (int i = 1; i < N; i++)
        for (int j = 0; j < M; j++)
            c[i][j] = c[i][j] + 1.0;
}

/* serial: called with one table for both parameters */
static void shift_left(double **out, double **in) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M - 1; j++)
            out[i][j] = in[i][j + 1] * 0.5;
}

/* serial: r is row 0, which iteration 0 writes and the others read */
static void escaped_row(double **a) {
    double *r = a[0];
    for (int i = 0; i < N; i++)
        a[i][1] = r[i % M] + 1.0;
}

/* the rows stay serial: each is written from the one before (its elements are vectorized) */
static void carried_rows(double **a) {
    for (int i = 1; i < N; i++)
        for (int j = 0; j < M; j++)
            a[i][j] = a[i - 1][j] * 0.5 + 1.0;
}

static double **global_rows, **grid;

/* a static table the functions name directly and never hand on */
static void global_sweep(void) {
    for (int i = 1; i < N; i++)
        for (int j = 0; j < M; j++)
            grid[i][j] = grid[i][j] * 0.5 + (double)(i - j);
}

/* serial: a global table handed to a function, where a parameter is another name for its rows */
static void global_table(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            global_rows[i][j] = 0.5 * global_rows[i][j] + 1.0;
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
    double **a = alloc_rows(N, M), **b = alloc_rows(N, M), **t = alloc_rows(N, N), **sq = alloc_rows(N, N);
    double **blocks = alloc_block(N, M), **c = alloc_rows(N, M);
    double ***u = alloc_cube(L, L, L), ***v = alloc_cube(L, L, L);
    fill(a, N, M, 3);
    fill(b, N, M, 7);
    fill(sq, N, N, 11);
    fill(blocks, N, M, 13);
    fill(c, N, M, 2);
    // autopar: off
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++)
            for (int k = 0; k < L; k++)
                u[i][j][k] = (double)((i + j * 3 + k * 5) % 11);
    c[1] = c[0];
    global_rows = alloc_rows(N, M);
    fill(global_rows, N, M, 5);

    smooth(b, a); printf("smooth %.10g\n", checksum(b, N, M));
    row_sums(a);
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += sums[i] * (i % 4 + 1);
    printf("row_sums %.10g\n", s);
    double *x = malloc(M * sizeof(double)), *y = malloc(N * sizeof(double));
    // autopar: off
    for (int j = 0; j < M; j++)
        x[j] = (double)(j % 9) * 0.5;
    matvec(a, x, y);
    s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += y[i] * (i % 3 + 1);
    printf("matvec %.10g\n", s);
    transpose(t, sq); printf("transpose %.10g\n", checksum(t, N, N));
    scale_rows(a); printf("scale_rows %.10g\n", checksum(a, N, M));
    cube_sweep(v, u);
    s = 0.0;
    // autopar: off
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++)
            for (int k = 0; k < L; k++)
                s += v[i][j][k] * (double)((i + j + k) % 3 + 1);
    printf("cube_sweep %.10g\n", s);
    printf("jacobi_steps %.10g\n", jacobi_steps(6));
    block_rows(blocks); printf("block_rows %.10g\n", checksum(blocks, N, M));
    shared_rows(c); printf("shared_rows %.10g\n", checksum(c, N, M));
    shift_left(b, b); printf("shift_left %.10g\n", checksum(b, N, M));
    escaped_row(a); printf("escaped_row %.10g\n", checksum(a, N, M));
    carried_rows(a); printf("carried_rows %.10g\n", checksum(a, N, M));
    global_table(); printf("global_table %.10g\n", checksum(global_rows, N, M));
    grid = alloc_rows(N, M);
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            grid[i][j] = (double)((i * 5 + j) % 9);
    global_sweep();
    s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            s += grid[i][j] * (double)(j % 4 + 1);
    printf("global_sweep %.10g\n", s);
    return 0;
}
