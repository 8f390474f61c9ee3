/* No-alias facts from call sites (issue 16, item 4): a static function whose every call passes its pointer
   parameters distinct arrays or fresh allocations reaches memory through each of them that nothing else reaches,
   as if they were restrict. Near misses get no fact (their gathers run under a check of the index values). */
#include <stdio.h>
#include <stdlib.h>

#define N 20000
#define NZ (N * 4)
int rowstr[N + 1], colidx[NZ];
double a[NZ], p[N], q[N], r[N], z[N];
double *shared_view;  /* points at z once main has run */

static void cks(const char *name, const double *v, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += v[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* the NAS CG product, its arrays passed as parameters that shadow the globals */
static void cg_matvec(int n, int rowstr[], int colidx[], double a[], double p[], double q[]) {
    int j, k;
    double sum;
    for (j = 0; j < n; j++) {
        sum = 0.0;
        for (k = rowstr[j]; k < rowstr[j + 1]; k++)
            sum = sum + a[k] * p[colidx[k]];
        q[j] = sum;
    }
}

/* a gather between two fresh allocations of the caller */
static void gather_fresh(int n, const int *idx, const double *u, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] * 0.5;
}

/* no fact: one call passes the same array twice (u and v both z); the runtime check decides */
static void gather_same(int n, const int *idx, const double *u, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] + 1.0;
}

/* no fact: the function reads through a global pointer, which may lead to v's array */
static void through_global(int n, const int *idx, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = shared_view[idx[i]] + 2.0;
}

/* no fact: its address is taken, so callers elsewhere may pass anything */
static void address_taken(int n, const int *idx, const double *u, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] - 1.0;
}
static void (*const table[1])(int, const int *, const double *, double *) = {address_taken};

/* serial: the function names the array its caller passes as v (r), reading it indirectly */
static void names_its_argument(int n, const int *idx, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = r[idx[i]] * 3.0;
}

/* no fact: one caller passes its own parameter, which may point anywhere */
static void unknown_caller_argument(int n, const int *idx, const double *u, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] + 4.0;
}
static void forwards(int n, const int *idx, double *w) {
    unknown_caller_argument(n, idx, w, p);
}

/* no fact: u is moved onto v before the loop */
static void reassigned(int n, const int *idx, const double *u, double *v) {
    u = v;
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] * 2.0;
}

/* not file-local: callers in other files may pass overlapping arrays */
void external_gather(int n, const int *idx, const double *u, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] + 5.0;
}

/* PageRank's pull step: rank and next are fresh allocations that main swaps between iterations */
static void pull_swapped(int n, const int *rowstr, const int *colidx, const double *rank, double *next) {
    for (int j = 0; j < n; j++) {
        double sum = 0.0;
        for (int k = rowstr[j]; k < rowstr[j + 1]; k++)
            sum += rank[colidx[k]];
        next[j] = 0.15 + 0.85 * sum / 4.0;
    }
}

/* serial: after its swaps main copies one pointer onto the other, so a call may pass one array twice */
static void pull_collapsed(int n, const int *rowstr, const int *colidx, const double *rank, double *next) {
    for (int j = 0; j < n; j++) {
        double sum = 0.0;
        for (int k = rowstr[j]; k < rowstr[j + 1]; k++)
            sum += rank[colidx[k]];
        next[j] = 0.15 + 0.85 * sum / 4.0;
    }
}

static void power_iterations(int n) {
    double *rank = malloc(sizeof(double) * N), *next = malloc(sizeof(double) * N);
    if (!rank || !next)
        return;
    for (int i = 0; i < n; i++)
        rank[i] = 1.0 / n;
    for (int it = 0; it < 6; it++) {
        pull_swapped(n, rowstr, colidx, rank, next);
        double *tmp = rank;
        rank = next;
        next = tmp;
    }
    cks("pull_swapped", rank, n);
    free(rank);
    free(next);
}

static void collapsed_iterations(int n) {
    double *rank = malloc(sizeof(double) * N), *next = malloc(sizeof(double) * N), *first = next;
    if (!rank || !next)
        return;
    for (int i = 0; i < n; i++)
        rank[i] = 1.0 / n;
    for (int it = 0; it < 6; it++) {
        pull_collapsed(n, rowstr, colidx, rank, next);
        double *tmp = rank;
        rank = next;
        next = tmp;
        if (it == 3)
            next = rank;  /* from here on the step reads and writes one array */
    }
    cks("pull_collapsed", rank, n);
    free(rank == first ? next : rank);
    free(first);
}

#define RESET() reset(n)
static void reset(int n) {
    for (int i = 0; i < n; i++) {
        p[i] = (double)(i % 11);
        q[i] = 0.0;
        r[i] = (double)(i % 7);
        z[i] = (double)(i % 5);
    }
}

int main(void) {
    int n = N, e = 0;
    for (int i = 0; i < n; i++) {
        rowstr[i] = e;
        for (int k = 0; k < 4; k++) {
            colidx[e] = (i * 7 + k * 131) % n;
            a[e++] = 1.0 / (double)(k + 1);
        }
    }
    rowstr[n] = e;
    int *idx = malloc(sizeof(int) * N);
    double *u = malloc(sizeof(double) * N), *v = malloc(sizeof(double) * N);
    if (!idx || !u || !v)
        return 1;
    for (int i = 0; i < n; i++) {
        idx[i] = (i * 37 + 11) % n;
        u[i] = (double)(i % 17);
        v[i] = 0.0;
    }
    shared_view = z;
    RESET(); cg_matvec(n, rowstr, colidx, a, p, q); cks("cg_matvec", q, n);
    RESET(); gather_fresh(n, idx, u, v); cks("gather_fresh", v, n);
    RESET(); gather_same(n, idx, z, z); cks("gather_same", z, n);
    RESET(); gather_same(n, idx, p, q); cks("gather_same2", q, n);
    RESET(); through_global(n, idx, z); cks("through_global", z, n);
    RESET(); table[0](n, idx, z, z); cks("address_taken", z, n);
    RESET(); names_its_argument(n, idx, r); cks("names_its_argument", r, n);
    RESET(); unknown_caller_argument(n, idx, r, q); forwards(n, idx, p); cks("unknown_caller_argument", p, n);
    RESET(); reassigned(n, idx, r, q); cks("reassigned", q, n);
    RESET(); external_gather(n, idx, z, z); cks("external_gather", z, n);
    power_iterations(n);
    collapsed_iterations(n);
    free(idx);
    free(u);
    free(v);
    return 0;
}
