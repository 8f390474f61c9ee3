/* Static scratch arrays (a file's `static` arrays, `static` locals), as old solvers keep them: one
   that nothing in the file names outside one loop, written before it is read in every iteration, is
   private to that loop (what the loop leaves in it is never read). One that other code can read
   (external linkage, another function, a pointer kept at file scope) gets a copy that starts as the
   array and is copied back after the last iteration, when every iteration writes the same elements.
   Near misses stay serial: a pointer kept in the loop, one not written before it is read, and one
   too large for a thread's stack. */
#include <stdio.h>

#define NR 24
#define NP 40
static double A[NR][NR][NP], C4[NP][NP];
static double sum[NP];            /* doitgen's scratch row: only kernel_doitgen names it */
double ext_row[NP];               /* external linkage: another file may read it */
static double peeked[NP];         /* read by another function */
static double kept[NP];           /* its address is kept at file scope */
static double *keep = kept;
static double partial[NP];        /* only partly written in each iteration */
static double big[20000];         /* 160,000 bytes: too large for a private copy */
double last_seen;

/* doitgen: the r loop is parallel with a private copy of sum */
void kernel_doitgen(int nr, int np) {
    int r, q, p, s;
    for (r = 0; r < nr; r++)
        for (q = 0; q < nr; q++) {
            for (p = 0; p < np; p++) {
                sum[p] = 0.0;
                for (s = 0; s < np; s++)
                    sum[p] += A[r][q][s] * C4[s][p];
            }
            for (p = 0; p < np; p++)
                A[r][q][p] = sum[p];
        }
}

/* a static local scratch row, as in NAS-style code: private to the i loop */
void static_local(double *restrict out, const double *restrict in, int n, int m) {
    static double row[NP];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            row[j] = in[i * m + j] * 2.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = row[j] - row[j - 1];
    }
}

/* parallel: ext_row has external linkage, so another file may read what the loop leaves in it:
   firstprivate and lastprivate */
void external_row(double *restrict out, const double *restrict in, int n, int m) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            ext_row[j] = in[i * m + j] * 3.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = ext_row[j] + ext_row[j - 1];
    }
}

/* parallel: peek() reads what the loop leaves in peeked: firstprivate and lastprivate */
void peeked_row(double *restrict out, const double *restrict in, int n, int m) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            peeked[j] = in[i * m + j] * 4.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = peeked[j] + peeked[j - 1];
    }
}

double peek(void) { return peeked[1]; }

/* parallel: `keep` points to kept, and main reads through it after the loop: firstprivate and
   lastprivate */
void kept_row(double *restrict out, const double *restrict in, int n, int m) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            kept[j] = in[i * m + j] * 5.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = kept[j] + kept[j - 1];
    }
}

/* serial: partial[0] is read but written only once, before the loop */
void partial_row(double *restrict out, const double *restrict in, int n, int m) {
    partial[0] = 1.0;
    for (int i = 0; i < n; i++) {
        for (int j = 1; j < m; j++)
            partial[j] = in[i * m + j] * 6.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = partial[j] + partial[j - 1];
    }
}

/* serial: a private copy of big would take 160,000 bytes of each thread's stack */
void big_row(double *restrict out, const double *restrict in, int n, int m) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            big[j] = in[i * m + j] * 7.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = big[j] + big[j - 1];
    }
}

/* serial: the loop keeps a pointer to the row, which the function reads after it; a private copy's
   address would not outlive the region */
static double escaped[NP];
double escaping_row(double *restrict out, const double *restrict in, int n, int m) {
    double *last = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            escaped[j] = in[i * m + j] * 8.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = escaped[j] + escaped[j - 1];
        last = escaped;
    }
    return last ? last[3] : 0.0;
}

/* serial: the same with a local row */
double escaping_local_row(double *restrict out, const double *restrict in, int n, int m) {
    double row[NP], *last = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            row[j] = in[i * m + j] * 9.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = row[j] + row[j - 1];
        last = row;
    }
    return last ? last[3] : 0.0;
}

/* serial: a threadprivate row is each thread's own; threads splitting a loop over it would write
   and read different copies */
static double own_row[NP];
#pragma omp threadprivate(own_row)
void threadprivate_row(double *restrict out, const double *restrict in, int n, int m) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            own_row[j] = in[i * m + j] * 10.0;
        for (int j = 1; j < m; j++)
            out[i * m + j] = own_row[j] + own_row[j - 1];
    }
}

static double cks(const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    return s;
}

int main(void) {
    static double in[NR * NP], out[NR * NP];
    double *flat = &A[0][0][0];
    // autopar: off
    for (int i = 0; i < NR * NR * NP; i++)
        flat[i] = (double)(i % 11) * 0.25 - 1.0;
    // autopar: off
    for (int i = 0; i < NP * NP; i++)
        C4[i / NP][i % NP] = (double)(i % 7) * 0.125;
    // autopar: off
    for (int i = 0; i < NR * NP; i++)
        in[i] = (double)(i % 19) * 0.5;
    kernel_doitgen(NR, NP); printf("doitgen %.12g\n", cks(flat, NR * NR * NP));
    static_local(out, in, NR, NP); printf("static_local %.12g\n", cks(out, NR * NP));
    external_row(out, in, NR, NP); printf("external_row %.12g %.12g\n", cks(out, NR * NP), ext_row[2]);
    peeked_row(out, in, NR, NP); printf("peeked_row %.12g %.12g\n", cks(out, NR * NP), peek());
    kept_row(out, in, NR, NP); printf("kept_row %.12g %.12g\n", cks(out, NR * NP), keep[3]);
    partial_row(out, in, NR, NP); printf("partial_row %.12g\n", cks(out, NR * NP));
    big_row(out, in, NR, NP); printf("big_row %.12g %.12g\n", cks(out, NR * NP), big[4]);
    printf("escaping_row %.12g", escaping_row(out, in, NR, NP)); printf(" %.12g\n", cks(out, NR * NP));
    printf("escaping_local_row %.12g", escaping_local_row(out, in, NR, NP)); printf(" %.12g\n", cks(out, NR * NP));
    threadprivate_row(out, in, NR, NP); printf("threadprivate_row %.12g\n", cks(out, NR * NP));
    return 0;
}
