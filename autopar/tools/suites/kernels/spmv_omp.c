/* The hand-written OpenMP version of spmv.c: static rows. Sparse matrix-vector products y = A x in CSR form, repeated; rows have data-dependent lengths
 * (a random number of entries each), but no row is much longer than the others. */
#include "harness.h"

#ifndef ROWS
#define ROWS 200000
#endif
#ifndef PER_ROW
#define PER_ROW 12
#endif
#ifndef REPS
#define REPS 20
#endif

static void spmv(int n, const int *restrict ptr, const int *restrict col, const double *restrict val,
                 const double *restrict x, double *restrict y) {
    #pragma omp parallel for
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = ptr[i]; k < ptr[i + 1]; k++)
            s += val[k] * x[col[k]];
        y[i] = s;
    }
}

int main(void) {
    seed_random(7);
    int *ptr = malloc(sizeof(int) * (ROWS + 1));
    int *col = malloc(sizeof(int) * (size_t)ROWS * (2 * PER_ROW));
    double *val = malloc(sizeof(double) * (size_t)ROWS * (2 * PER_ROW));
    double *x = malloc(sizeof(double) * ROWS), *y = malloc(sizeof(double) * ROWS);
    if (!ptr || !col || !val || !x || !y)
        return 1;
    int e = 0;
    for (int i = 0; i < ROWS; i++) {
        ptr[i] = e;
        int len = PER_ROW / 2 + (int)(random_unsigned() % (unsigned)PER_ROW);
        for (int k = 0; k < len; k++) {
            col[e] = (int)(random_unsigned() % (unsigned)ROWS);
            val[e++] = random_double() - 0.5;
        }
        x[i] = random_double();
    }
    ptr[ROWS] = e;
    double start = now_seconds();
    for (int r = 0; r < REPS; r++) {
        spmv(ROWS, ptr, col, val, x, y);
        x[r % ROWS] += y[(r * 7) % ROWS] * 1e-3;
    }
    double elapsed = now_seconds() - start;
    double checksum = 0.0;
    for (int i = 0; i < ROWS; i++)
        checksum += y[i] * (double)(i % 5 + 1);
    printf("kernel spmv\nsize ROWS=%d PER_ROW=%d REPS=%d\n", ROWS, PER_ROW, REPS);
    print_result(elapsed, checksum);
    free(ptr); free(col); free(val); free(x); free(y);
    return 0;
}
