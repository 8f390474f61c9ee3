/* Calls to functions of the same file that index file-scope arrays with their parameters (issue 14,
   class 3, in the old C style: globals and index arguments): the elements each call touches become
   accesses at the call; near misses stay serial. */
#include <stdio.h>

#define M 300
double A[M][M], R[M], S[M + 1], TMP[M], OUT[M], Z[M][M], B[M][M];
extern double X[M];
double X[M];
int cnt;

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* the norm of row i into R[i] */
static void row_norm(int i, int n) {
    double t = 0.0;
    for (int j = 0; j < n; j++)
        t += A[i][j] * A[i][j];
    R[i] = t;
}

/* one point of a smoothing, from A into B */
static void smooth_point(int i, int j) {
    B[i][j] = 0.25 * (A[i][j] + A[i][j + 1]) + 0.5 * A[i][j];
}

static void zero_row(int i) {
    for (int j = 0; j < M; j++)
        Z[i][j] = 0.0;
}

static void bump(int i) { S[i + 1] = S[i] + 1.0; }
static void fill(int i, int n) {
    for (int j = 0; j < n; j++)
        TMP[j] = A[i][j] * 0.5;
}
static void push(double v) { OUT[cnt] = v; }
static void set_x(int i) { X[i] = 2.0 * A[i][0]; }
extern double Y[M];
static void set_y(int i) { Y[i] = 3.0 * A[i][2]; }
double Y[M];
static void set_r(int i) { R[i] = 3.0 * A[i][1]; }
static void through(int i) { set_r(i); }

void global_row(int n) {
    for (int i = 0; i < n; i++)
        row_norm(i, n);
}

void global_point(int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n - 1; j++)
            smooth_point(i, j);
}

void global_whole_rows(int n) {
    for (int i = 0; i < n; i++) {
        zero_row(i);
        Z[i][i] = 1.0;
    }
}

/* serial: each call reads what the one before wrote */
void global_neighbour(int n) {
    for (int i = 0; i < n; i++)
        bump(i);
}

/* serial: TMP is filled by the call and read by the loop; a thread's copy would not be the one the
   callee fills */
void global_scratch(int n) {
    for (int i = 0; i < n; i++) {
        fill(i, n);
        OUT[i] = TMP[0] + TMP[n - 1] + TMP[i];
    }
}

/* serial: the element the callee writes is picked by a global counter */
void global_counter(int n) {
    for (int i = 0; i < n; i++) {
        cnt = i;
        push(R[i]);
    }
}

/* X is declared twice (extern, then defined), but every function names the definition: one array */
void global_declared_twice(int n) {
    for (int i = 0; i < n; i++)
        set_x(i);
}

/* serial: set_y names the extern before the definition, this loop the definition: two objects to the
   analysis, so the call stays a blocker */
void global_named_twice(int n) {
    for (int i = 0; i < n; i++) {
        set_y(i);
        OUT[i] = Y[n - 1 - i];
    }
}

/* serial: the callee reaches R through another function */
void global_through_call(int n) {
    for (int i = 0; i < n; i++)
        through(i);
}

int main(void) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            A[i][j] = (double)((i * 7 + j * 3) % 11) * 0.1;
    global_row(M); cks("global_row", R, M);
    global_point(M); cks("global_point", &B[0][0], M * M);
    global_whole_rows(M); cks("global_whole_rows", &Z[0][0], M * M);
    global_neighbour(M); cks("global_neighbour", S, M + 1);
    global_scratch(M); cks("global_scratch", OUT, M);
    global_counter(M); cks("global_counter", OUT, M);
    global_declared_twice(M); cks("global_declared_twice", X, M);
    global_named_twice(M); cks("global_named_twice", OUT, M);
    global_through_call(M); cks("global_through_call", R, M);
    return 0;
}
