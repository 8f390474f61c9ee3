/* Scalars live after the loop that only an inner loop assigns (issue 14, class 4): lastprivate
   when every iteration provably assigns them; conditional lastprivate when some iterations may not
   (a local, never read before it is assigned); serial otherwise. */
#include <stdio.h>
#include <stdlib.h>

#define N 256
#define M 64
double A[N][M], B[N][M];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* the inner loop runs M > 0 times: the last row's last value */
double last_of_rows(void) {
    double last = -1.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) {
            last = A[i][j] * 2.0;
            B[i][j] = last + 1.0;
        }
    return last;
}

/* the inner loop variable read after the nest; the outer loop may run zero times, and so may the inner
   one: the inner loop runs in parallel only when a run-time test shows it runs (0 < m) */
int inner_iv_after(int n, int m) {
    int j = -7;
    for (int i = 0; i < n; i++)
        for (j = 0; j < m; j++)
            B[i][j] = A[i][j] + (double)i;
    return j;
}

/* the outer loop runs N > 0 times: the inner loop variable is lastprivate */
int inner_iv_const(void) {
    int j = -7;
    for (int i = 0; i < N; i++)
        for (j = 1; j < M; j++)
            B[i][j] = A[i][j - 1] * 0.5;
    return j;
}

/* the outer loop runs N > 0 times; the inner one maybe none, but its header still assigns j */
int inner_iv_symbolic(int m) {
    int j = -7;
    for (int i = 0; i < N; i++)
        for (j = 0; j < m; j++)
            B[i][j] = B[i][j] + 1.0;
    return j;
}

/* the last value may come from an earlier row: the rows run in parallel, the last row that assigns
   gives the value (conditional lastprivate) */
double last_may_be_skipped(int n, int m) {
    double last = -1.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m - i; j++) {
            last = A[i][j];
            B[i][j] = last * 3.0;
        }
    return last;
}

/* serial: the inner loop runs only under a condition */
int inner_iv_conditional(int n) {
    int j = -7;
    for (int i = 0; i < n; i++)
        if (i % 3 == 0)
            for (j = 0; j < M; j++)
                B[i][j] = A[i][j];
    return j;
}

/* the inner loop may stop early, before the write: the last row that assigns gives the value
   (conditional lastprivate) */
double last_with_break(void) {
    double last = -1.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) {
            if (A[i][j] > 9.5)
                break;
            last = A[i][j];
        }
    return last;
}

/* serial: a grandchild's variable; the middle loop may run zero times */
int grandchild_iv(int n, int m) {
    int k = -7;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            for (k = 0; k < 4; k++)
                B[i][j * 0 + k] = A[i][k];
    return k;
}

/* the last row whose first value is large: conditional lastprivate (the row, and -1 when none is) */
int last_match(int n, double limit) {
    int found = -1;
    for (int i = 0; i < n; i++)
        if (A[i][0] > limit)
            found = i;
    return found;
}

/* serial: a global (conditional lastprivate is offered for locals only, which no other code reaches) */
int last_row_seen = -1;
void last_global(int n) {
    for (int i = 0; i < n; i++)
        if (A[i][1] > 8.5)
            last_row_seen = i;
}

/* serial: the assignment reads the value an earlier iteration left */
double last_blended(int n) {
    double blend = 1.0;
    for (int i = 0; i < n; i++)
        if (A[i][2] > 7.5)
            blend = blend * 0.5 + A[i][2];
    return blend;
}

int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) {
            A[i][j] = (double)((i * 3 + j) % 11);
            B[i][j] = 0.0;
        }
    printf("last_of_rows %.12g\n", last_of_rows()); cks("last_of_rows_b", &B[0][0], N * M);
    printf("inner_iv_after %d\n", inner_iv_after(N, M)); cks("inner_iv_after_b", &B[0][0], N * M);
    printf("inner_iv_const %d\n", inner_iv_const()); cks("inner_iv_const_b", &B[0][0], N * M);
    printf("last_may_be_skipped %.12g\n", last_may_be_skipped(N, N + 40)); cks("skipped_b", &B[0][0], N * M);
    printf("zero trips %d %d %.12g\n", inner_iv_after(N, 0), inner_iv_after(0, M), last_may_be_skipped(N, 3));
    printf("inner_iv_conditional %d\n", inner_iv_conditional(N - 1));
    printf("inner_iv_symbolic %d\n", inner_iv_symbolic(M)); cks("inner_iv_symbolic_b", &B[0][0], N * M);
    printf("last_with_break %.12g\n", last_with_break());
    printf("grandchild_iv %d\n", grandchild_iv(N, 3)); cks("grandchild_b", &B[0][0], N * M);
    printf("last_match %d %d %d\n", last_match(N, 9.5), last_match(N, 99.0), last_match(0, 0.0));
    last_global(N);
    printf("last_global %d last_blended %.12g\n", last_row_seen, last_blended(N));
    return 0;
}
