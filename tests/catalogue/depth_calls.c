/* Calls to functions of the same file that write through their pointer arguments (issue 14,
   class 3): their regions become accesses at the call; near misses stay serial. */
#include <stdio.h>
#include <stdlib.h>

#define N 48
#define AA 0
#define BB 1
#define CC 2
double LHS[N][N][3][5][5], RHS[N][N][5], V[3 * 4096 + 8], W[4096][4];
double g_sum;

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* as in the NAS solvers: bvec -= ablock * avec */
static void matvec_sub(double ablock[5][5], double avec[5], double bvec[5]) {
    for (int i = 0; i < 5; i++)
        bvec[i] = bvec[i] - ablock[i][0] * avec[0] - ablock[i][1] * avec[1] - ablock[i][2] * avec[2]
                  - ablock[i][3] * avec[3] - ablock[i][4] * avec[4];
}

/* writes two arguments */
static void binv(double lhs[5][5], double r[5]) {
    for (int m = 0; m < 5; m++) {
        double p = 1.0 / (lhs[m][m] + 2.0);
        for (int n = 0; n < 5; n++)
            lhs[m][n] = lhs[m][n] * p;
        r[m] = r[m] * p;
    }
}

static void scale3(double *p, double s) {
    p[0] *= s;
    p[1] *= s;
    p[2] *= s;
}

static void clear_n(double *p, int n) {
    for (int i = 0; i < n; i++)
        p[i] = 0.0;
}

static void logged(double *p) {
    p[0] += 1.0;
    printf("");
}

static void accumulate(double *p) {
    p[0] *= 0.5;
    g_sum += p[0];
}

static void visit(double *p, int depth) {
    p[0] += 1.0;
    if (depth > 0)
        visit(p + 1, depth - 1);
}

/* NAS-style block solve: each (i, j) updates its own 5 elements */
void block_sub(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            matvec_sub(LHS[i][j][AA], RHS[i][j], RHS[i][j]);
}

/* two written arguments, distinct per iteration */
void block_binv(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            binv(LHS[i][j][BB], RHS[i][j]);
}

/* a pointer argument moved by a stride that the written region does not cross */
void strided_scale(int n) {
    for (int i = 0; i < n; i++)
        scale3(V + 3 * i, 1.5);
}

/* rows of a 2-D array passed as pointers */
void row_scale(int n) {
    for (int i = 0; i < n; i++)
        scale3(W[i], 0.25);
}

/* serial: the regions of neighbouring iterations overlap (stride 2, three elements) */
void overlapping_scale(int n) {
    for (int i = 0; i < n; i++)
        scale3(&V[2 * i], 1.01);
}

/* serial: the callee's region depends on its parameter n */
void param_region(int n) {
    for (int i = 0; i < n; i++)
        clear_n(V + i, 4);
}

/* serial: the callee does I/O */
void call_io(int n) {
    for (int i = 0; i < n; i++)
        logged(&V[i]);
}

/* serial: the callee writes a global */
void call_global(int n) {
    for (int i = 0; i < n; i++)
        accumulate(&V[i]);
}

/* serial: a recursive callee */
void call_recursive(int n) {
    for (int i = 0; i < n; i++)
        visit(&V[4 * i], 2);
}

/* serial: a call through a function pointer */
void call_pointer(int n, void (*f)(double *, double)) {
    for (int i = 0; i < n; i++)
        f(V + 3 * i, 2.0);
}

/* as NAS EP's randlc: the next number of a generator whose state the caller lends by address */
static double next_random(double *state, double a) {
    double x = *state * a;
    x = x - (double)(long)(x / 8191.0) * 8191.0;
    *state = x;
    return x / 8191.0;
}

/* a seed of each iteration's own, lent to the generator: private */
void lent_seed(int n) {
    double seed, r;
    for (int i = 0; i < n; i++) {
        seed = 17.0 + (double)(i % 101);
        r = next_random(&seed, 3.0);
        r += next_random(&seed, 5.0);
        V[i] = r;
    }
}

/* serial: one generator's state runs through all the iterations */
void lent_state(int n) {
    double state = 23.0;
    for (int i = 0; i < n; i++)
        V[i] = next_random(&state, 3.0);
}

static double *kept;
static void keep(double *p) { kept = p; *p = 1.0; }

/* serial: the callee keeps the address it is lent (the pointer outlives the call) */
void lent_kept(int n) {
    double cell;
    for (int i = 0; i < n; i++) {
        keep(&cell);
        V[i] = *kept + (double)i;
    }
}

/* the address of t escapes before the loop; inside it, nothing but its name can reach t: private */
void escaped_before(int n) {
    double t = 0.0;
    keep(&t);
    for (int i = 0; i < n; i++) {
        t = V[i] * 2.0;
        V[i] = t + 1.0;
    }
}

/* serial: the loop reads t through the pointer that kept its address */
void escaped_and_read(int n) {
    double t = 0.0;
    keep(&t);
    for (int i = 0; i < n; i++) {
        t = V[i] * 2.0;
        V[i] = t + *kept;
    }
}

int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int m = 0; m < 5; m++) {
                RHS[i][j][m] = (double)((i + j + m) % 7);
                for (int k = 0; k < 3; k++)
                    for (int q = 0; q < 5; q++)
                        LHS[i][j][k][m][q] = (double)((i * j + m - q + k) % 5) * 0.1;
            }
    for (int i = 0; i < 3 * 4096 + 8; i++)
        V[i] = (double)(i % 9);
    for (int i = 0; i < 4096; i++)
        for (int m = 0; m < 4; m++)
            W[i][m] = (double)((i + m) % 3);
    block_sub(); cks("block_sub", &RHS[0][0][0], N * N * 5);
    block_binv(); cks("block_binv", &RHS[0][0][0], N * N * 5); cks("block_binv_lhs", &LHS[0][0][0][0][0], N * N * 75);
    strided_scale(4096); cks("strided_scale", V, 3 * 4096);
    row_scale(4096); cks("row_scale", &W[0][0], 4 * 4096);
    overlapping_scale(4096); cks("overlapping_scale", V, 3 * 4096);
    param_region(4096); cks("param_region", V, 3 * 4096);
    call_io(16); cks("call_io", V, 3 * 4096);
    g_sum = 0.0; call_global(4096); printf("call_global %.12g\n", g_sum);
    call_recursive(1000); cks("call_recursive", V, 3 * 4096);
    call_pointer(4096, scale3); cks("call_pointer", V, 3 * 4096);
    lent_seed(3 * 4096); cks("lent_seed", V, 3 * 4096);
    lent_state(4096); cks("lent_state", V, 3 * 4096);
    lent_kept(4096); cks("lent_kept", V, 3 * 4096);
    escaped_before(3 * 4096); cks("escaped_before", V, 3 * 4096);
    escaped_and_read(4096); cks("escaped_and_read", V, 3 * 4096);
    return 0;
}
