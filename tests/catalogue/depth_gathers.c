/* Reads through an index array (gathers, a CSR product over global arrays as NAS CG keeps them):
   no formula bounds `x[idx[i]]`, so the runtime alias check inspects the index values the loop will
   read (their smallest and largest) before it runs in parallel. main calls each kernel twice, once
   with an output that overlaps what the indices reach, where the serial copy must run. Near misses
   stay serial: a scatter, an index array the loop writes, an index type the check does not take, an
   index used in arithmetic, an unsigned index plus a constant, a guarded index read, a cast, an octal
   offset. */
#include <stdio.h>

#define N 64
#define ROWS 48
#define PER_ROW 5

int rowstr[ROWS + 1], colidx[ROWS * PER_ROW];
double values[ROWS * PER_ROW];

/* parallel under the check: y does not overlap what x[idx[i]] reaches */
void gather(int n, const int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i]] * 2.0;
}

/* parallel under the check, with constant offsets on the index */
void gather_offsets(int n, const int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i] + 1] - x[1 + idx[i]] * 0.5 + x[idx[i] - 1];
}

/* a CSR product over global index arrays (NAS CG's matvec): the j loop is parallel under the check */
void csr_product(int n, const double *v, double *w) {
    int j, k;
    double sum;
    for (j = 0; j < n; j++) {
        sum = 0.0;
        for (k = rowstr[j]; k < rowstr[j + 1]; k++)
            sum = sum + values[k] * v[colidx[k]];
        w[j] = sum;
    }
}

/* serial: a scatter writes through the index */
void scatter(int n, const int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[idx[i]] = x[i];
}

/* serial: the loop writes the index array it reads through */
void index_written(int n, int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++) {
        y[i] = x[idx[i]];
        idx[i] = i % 7;
    }
}

/* serial: a long index is not one the check inspects */
void long_index(int n, const long *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i]] + 1.0;
}

/* serial: an index in arithmetic other than a constant offset */
void scaled_index(int n, const int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i] * 2];
}

/* serial: an unsigned index plus a constant wraps around in C (`uidx[i] + 1` of UINT_MAX is 0) */
void unsigned_offset(int n, const unsigned *uidx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[uidx[i] + 1] * 3.0;
}

/* serial: a guarded index read: an inspection would read index elements the loop never reads */
void guarded_index(int n, const char *flag, const int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        if (flag[i])
            y[i] = x[idx[i]];
}

/* serial: the gathered array is reached through a cast, in elements of another size */
void cast_gather(int n, const int *idx, const char *raw, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = ((const double *)raw)[idx[i]] + 1.0;
}

/* serial: an octal offset (010 is 8) */
void octal_offset(int n, const int *idx, const double *x, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i] + 010] - 1.0;
}

/* serial: elements of two sizes in one object, through a cast: the dependence is between bytes */
void cast_elements(int n, char *raw) {
    for (int i = 0; i < n; i++)
        ((double *)raw)[2 * i] = raw[16 * i + 17] + 1.0;
}

/* serial: a plain range check would count the cast's offsets in bytes */
void cast_shift(int n, const char *raw, double *y) {
    for (int i = 0; i < n; i++)
        y[i] = ((const double *)raw)[i + 1] + 1.0;
}

static double cks(const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    return s;
}

int main(void) {
    static double x[4 * N], y[4 * N];
    static int idx[N];
    static long lidx[N];
    // autopar: off
    for (int i = 0; i < 4 * N; i++)
        x[i] = (double)(i % 17) * 0.5 - 2.0;
    // autopar: off
    for (int i = 0; i < N; i++) {
        idx[i] = 1 + (i * 37) % (2 * N);
        lidx[i] = idx[i];
    }
    // autopar: off
    for (int r = 0; r < ROWS; r++) {
        rowstr[r] = r * PER_ROW;
        // autopar: off
        for (int e = 0; e < PER_ROW; e++) {
            colidx[r * PER_ROW + e] = (r * 7 + e * 11) % N;
            values[r * PER_ROW + e] = (double)((r + e) % 5) - 1.5;
        }
    }
    rowstr[ROWS] = ROWS * PER_ROW;
    gather(N, idx, x, y); printf("gather %.12g\n", cks(y, N));
    /* y overlaps what the indices reach (x + 1 .. x + 2N): the serial copy runs */
    gather(N, idx, x, x + N); printf("gather_overlap %.12g\n", cks(x, 4 * N));
    gather_offsets(N, idx, x, y + 2 * N); printf("gather_offsets %.12g\n", cks(y, 4 * N));
    gather_offsets(N, idx, x, x + 2); printf("gather_offsets_overlap %.12g\n", cks(x, 4 * N));
    csr_product(ROWS, x, y); printf("csr_product %.12g\n", cks(y, ROWS));
    csr_product(ROWS, x, x + 3); printf("csr_product_overlap %.12g\n", cks(x, 4 * N));
    scatter(N, idx, x, y); printf("scatter %.12g\n", cks(y, 4 * N));
    index_written(N, idx, x, y); printf("index_written %.12g\n", cks(y, N));
    long_index(N, lidx, x, y); printf("long_index %.12g\n", cks(y, N));
    scaled_index(N / 2, idx, x, y); printf("scaled_index %.12g\n", cks(y, N));
    {
        static unsigned uidx[N];
        static char flag[N];
        // autopar: off
        for (int i = 0; i < N; i++) {
            uidx[i] = (unsigned)idx[i];
            flag[i] = (char)(i % 3 == 0);
        }
        unsigned_offset(N, uidx, x, y); printf("unsigned_offset %.12g\n", cks(y, N));
        guarded_index(N, flag, idx, x, y); printf("guarded_index %.12g\n", cks(y, N));
        cast_gather(N / 4, idx, (const char *)x, y + N); printf("cast_gather %.12g\n", cks(y, 4 * N));
        octal_offset(N, idx, x, y); printf("octal_offset %.12g\n", cks(y, N));
        cast_elements(N / 4, (char *)x); printf("cast_elements %.12g\n", cks(x, 4 * N));
        cast_shift(2 * N, (const char *)x, x + N); printf("cast_shift %.12g\n", cks(x, 4 * N));
    }
    return 0;
}
