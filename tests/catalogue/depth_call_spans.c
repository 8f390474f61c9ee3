/* Loops whose calls touch ranges that the callee's own loop bounds give: `scale_row(A[i], n, s)`
   writes A[i][0..n-1] (n the argument), `vranlc(2 * NK, &seed, A, x - 1)` fills x[0..2NK-1] (NAS
   EP), `fill(a + i * n, n)` one row of a flat matrix. Each call is one access over that range, so
   the rows of different iterations are told apart, and a scratch array a call fills whole on every
   iteration is private. Near misses stay serial: windows that overlap, a row written from the next
   one, a range one element longer than the row of a flat matrix, and callees whose bound is not a
   parameter they keep (assigned, unsigned). */
#include <stdio.h>

#define N 96
#define NK 128

static double A[N][N], B[N][N];
static double flat[N * N + 8];
static double x[2 * NK];
static double q[10];

static void scale_row(double *row, int n, double s) {
    for (int j = 0; j < n; j++)
        row[j] = row[j] * s + 1.0;
}

static void copy_row(const double *src, double *dst, int n) {
    for (int j = 0; j < n; j++)
        dst[j] = src[j] * 0.5;
}

static void prefix_row(double *row, int n) {
    for (int j = 1; j < n; j++)
        row[j] += row[j - 1] * 0.25;
}

/* NAS EP's vranlc: n pseudo-random numbers into y[1..n] (the caller passes x - 1) */
static void vranlc(int n, double *seed, double a, double y[]) {
    double v = *seed;
    for (int i = 1; i <= n; i++) {
        v = v * a - (double)(int)(v * a);
        y[i] = v;
    }
    *seed = v;
}

static void smooth_range(double *row, const double *src, int lo, int hi) {
    for (int j = lo; j < hi; j++)
        row[j] = 0.25 * src[j - 1] + 0.5 * src[j] + 0.25 * src[j + 1];
}

static void clear_down(double *p, int n) {
    for (int j = 0; j < n; j++)
        p[j] = 0.0;
    n = 0;
    p[n] = 1.0;
}

static void clear_unsigned(double *p, unsigned n) {
    for (unsigned j = 0; j < n; j++)
        p[j] = 2.0;
}

void scale_rows(int m, int n, double s) {
    for (int i = 0; i < m; i++)
        scale_row(A[i], n, s);
}

void copy_rows(int m, int n) {
    for (int i = 0; i < m; i++)
        copy_row(A[i], B[i], n);
}

void prefix_rows(int m, int n) {
    for (int i = 0; i < m; i++)
        prefix_row(B[i], n);
}

void flat_rows(double *a, int m, int n) {
    for (int i = 0; i < m; i++)
        scale_row(a + (long)i * n, n, 0.5);
}

/* a block of each row between bounds the call passes (`lo..hi - 1`, read one wider) */
void smooth_rows(int m, int n) {
    for (int i = 0; i < m; i++)
        smooth_range(B[i], A[i], 1, n - 1);
}

/* NAS EP: each batch fills the scratch array x through the call, then counts into q */
void ep_batches(int batches, double *sx) {
    double sum = 0.0;
    for (int k = 1; k <= batches; k++) {
        double seed = 0.5 + 0.001 * k;
        vranlc(2 * NK, &seed, 3.7, x - 1);
        for (int i = 0; i < NK; i++) {
            double x1 = 2.0 * x[2 * i] - 1.0, x2 = 2.0 * x[2 * i + 1] - 1.0;
            int l = (int)((x1 * x1 + x2 * x2) * 4.0);
            if (l < 10)
                q[l] += 1.0;
            sum += x1 + x2;
        }
    }
    *sx = sum;
}

/* serial: each call's window overlaps the next one's */
void overlapping(double *a, int m, int n) {
    for (int i = 0; i < m; i++)
        scale_row(a + i, n, 0.5);
}

/* serial: each row is written from the one before, which the previous iteration wrote */
void next_row(int m, int n) {
    for (int i = 0; i < m - 1; i++)
        copy_row(A[i], A[i + 1], n);
}

/* serial: a range one longer than the row of a flat matrix reaches the next row */
void row_longer(double *a, int m, int n) {
    for (int i = 0; i < m; i++)
        scale_row(a + (long)i * n, n + 1, 0.5);
}

/* serial: the callee assigns its bound */
void assigned_bound(int m, int n) {
    for (int i = 0; i < m; i++)
        clear_down(B[i], n);
}

/* serial: an unsigned bound */
void unsigned_bound(int m, unsigned n) {
    for (int i = 0; i < m; i++)
        clear_unsigned(B[i], n);
}

static double checksum(void) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            s += (A[i][j] + 2.0 * B[i][j]) * (double)((i + 3 * j) % 7 + 1);
    // autopar: off
    for (int i = 0; i < N * N + 8; i++)
        s += flat[i] * (double)(i % 5 + 1);
    // autopar: off
    for (int l = 0; l < 10; l++)
        s += q[l] * (l + 1);
    return s;
}

int main(void) {
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)((i * 7 + j * 3) % 11) * 0.1;
            B[i][j] = (double)((i + j * 5) % 13) * 0.2;
        }
    // autopar: off
    for (int i = 0; i < N * N + 8; i++)
        flat[i] = (double)(i % 17) * 0.3;
    double sx = 0.0;
    scale_rows(N, N, 1.5); printf("scale_rows %.10g\n", checksum());
    copy_rows(N, N); printf("copy_rows %.10g\n", checksum());
    prefix_rows(N, N); printf("prefix_rows %.10g\n", checksum());
    flat_rows(flat, N, N); printf("flat_rows %.10g\n", checksum());
    smooth_rows(N, N); printf("smooth_rows %.10g\n", checksum());
    ep_batches(64, &sx); printf("ep_batches %.10g %.6f\n", checksum(), sx);
    overlapping(flat, N, N); printf("overlapping %.10g\n", checksum());
    next_row(N, N); printf("next_row %.10g\n", checksum());
    row_longer(flat, N - 1, N); printf("row_longer %.10g\n", checksum());
    assigned_bound(N, N); printf("assigned_bound %.10g\n", checksum());
    unsigned_bound(N, N); printf("unsigned_bound %.10g\n", checksum());
    return 0;
}
