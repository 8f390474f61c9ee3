/* Array members (a grid held in a struct, `G.u[i][j]`, `g->u[i][j]`; a fixed-size vector in each
   particle, `p[i].x[d]`): a subscript of an array member indexes that array, no pointer is loaded on
   the way, so the member is indexed like an array of its own, and two different fields of one struct
   never overlap while each subscript stays in its array, as C requires. A row bound in a variable
   (old C over-indexes a struct's arrays) is tested before the loop, as are the subscripts of two
   fields that must not reach each other. Near misses stay serial: a dependence across elements or
   rows, a subscript that leaves its row into the next one, a union's members (they share their
   memory), a pointer member (its rows may overlap), the fields of a struct two pointers may share. */
#include <stdio.h>
#include <stdlib.h>

#define N 512
#define D 4

struct grid { double u[N][N]; double f[N][N]; int steps; };
struct particle { double x[D]; double v[D]; double mass; };
struct rows { double *row; double w[D]; };
union overlay { double a[N][D]; double b[N * D]; };
struct holder { union { double a[D]; double b[D]; }; double c; };

static struct grid G;  /* handed to functions by address */
static struct grid S;  /* only named */
static union overlay U;

/* parallel: two array members of one global struct */
void smooth_global(void) {
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            S.u[i][j] = 0.25 * (S.f[i - 1][j] + S.f[i + 1][j] + S.f[i][j - 1] + S.f[i][j + 1]);
}

/* parallel: the same through a pointer to the struct, and a scalar field read beside them */
void smooth_pointer(struct grid *g) {
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            g->u[i][j] = g->f[i][j] * (double)g->steps + g->u[i][j];
}

/* parallel: each particle's own vectors */
void push(struct particle *p, int n, double dt) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < D; d++)
            p[i].x[d] += p[i].v[d] * dt / p[i].mass;
}

/* parallel on i: the dependence along d stays inside one particle */
void prefix(struct particle *p, int n) {
    for (int i = 0; i < n; i++)
        for (int d = 1; d < D; d++)
            p[i].x[d] += p[i].x[d - 1];
}

/* serial on i, each row reads the row the previous iteration wrote (j is vectorized) */
void sweep_rows(void) {
    for (int i = 1; i < N; i++)
        for (int j = 0; j < N; j++)
            S.u[i][j] = S.u[i - 1][j] * 0.5 + S.f[i][j];
}

/* serial: `S.u[i][j - 1]` at j = 0 is the last element of row i - 1, which the previous
   iteration wrote: the code relies on the rows' layout */
void leaves_row(void) {
    for (int i = 1; i < N; i++)
        for (int j = 0; j < N; j++)
            S.u[i][j] = S.u[i][j - 1] + 1.0;
}

/* serial on i, the particle before's vector (d is vectorized) */
void chain_particles(struct particle *p, int n) {
    for (int i = 1; i < n; i++)
        for (int d = 0; d < D; d++)
            p[i].x[d] = p[i - 1].x[d] + p[i].v[d];
}

/* serial: the union's two arrays are one memory: b[4 * i + 4 + d] is a[i + 1][d] */
void union_members(void) {
    for (int i = 0; i < N - 1; i++)
        for (int d = 0; d < D; d++)
            U.a[i][d] = U.b[4 * i + 4 + d] + 1.0;
}

/* serial: the members of an anonymous union share their memory too */
void anonymous_union(struct holder *h, int n) {
    for (int i = 0; i < n - 1; i++)
        for (int d = 0; d < D; d++)
            h[i].a[d] = h[i + 1].b[d] * 0.5;
}

/* serial: a pointer member's rows may be one memory */
void pointer_member(struct rows *r, int n) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < D; d++)
            r[i].row[d] = r[i].w[d] + 1.0;
}

/* under a runtime check: the two pointers may point into one memory */
void two_structs(struct grid *a, struct grid *b) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a->u[i][j] = b->f[i][j] + 1.0;
}

/* under a run-time test: j < m may pass the member's N columns (old C over-indexes a struct's
   arrays), so the rows of S.u are apart while m <= N */
void columns_symbolic(int m) {
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < m - 1; j++)
            S.u[i][j] = 0.5 * (S.f[i][j - 1] + S.f[i][j + 1]);
}

/* under a run-time test: d < k may pass x's D elements into v, or v's into mass and the next
   particle, so both fields' subscripts are tested (read or written) */
void push_count(struct particle *p, int n, int k) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < k; d++)
            p[i].x[d] += p[i].v[d] * 0.5;
}

static double cks_s(void) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            s += S.u[i][j] * (double)((i + j) % 7 + 1);
    return s;
}

static double cks(const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 7 + 1);
    return s;
}

int main(void) {
    int n = 20000;
    struct particle *p = malloc(sizeof *p * (size_t)n);
    struct holder *h = malloc(sizeof *h * (size_t)n);
    struct rows *r = malloc(sizeof *r * (size_t)n);
    double *pool = malloc(sizeof(double) * (size_t)n * D);
    if (!p || !h || !r || !pool)
        return 1;
    G.steps = 3;
    // autopar: off
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            G.u[i][j] = S.u[i][j] = (double)((i + 2 * j) % 13);
            G.f[i][j] = S.f[i][j] = (double)((3 * i + j) % 11) * 0.5;
        }
    // autopar: off
    for (int i = 0; i < n; i++) {
        p[i].mass = 1.0 + (double)(i % 5);
        h[i].c = (double)(i % 3);
        r[i].row = pool + (size_t)(i / 2) * D;  /* two neighbours share a row */
        for (int d = 0; d < D; d++) {
            p[i].x[d] = (double)((i + d) % 17);
            p[i].v[d] = (double)((i * d) % 7) - 3.0;
            h[i].a[d] = (double)((i + 3 * d) % 19);
            r[i].w[d] = (double)(d + i % 4);
            pool[(size_t)i * D + d] = 0.0;
        }
    }
    // autopar: off
    for (int i = 0; i < N * D; i++)
        U.b[i] = (double)(i % 23);
    smooth_global(); printf("smooth_global %.12g\n", cks_s());
    smooth_pointer(&G); printf("smooth_pointer %.12g\n", cks(&G.u[0][0], N * N));
    push(p, n, 0.01); printf("push %.12g\n", cks((const double *)p, n * (2 * D + 1)));
    prefix(p, n); printf("prefix %.12g\n", cks((const double *)p, n * (2 * D + 1)));
    sweep_rows(); printf("sweep_rows %.12g\n", cks_s());
    leaves_row(); printf("leaves_row %.12g\n", cks_s());
    chain_particles(p, n); printf("chain_particles %.12g\n", cks((const double *)p, n * (2 * D + 1)));
    union_members(); printf("union_members %.12g\n", cks(U.b, N * D));
    anonymous_union(h, n); printf("anonymous_union %.12g\n", cks((const double *)h, n * (D + 1)));
    pointer_member(r, n); printf("pointer_member %.12g\n", cks(pool, n * D));
    two_structs(&G, &G); printf("two_structs %.12g\n", cks(&G.u[0][0], N * N));
    columns_symbolic(N - n / 10000); printf("columns_symbolic %.12g\n", cks_s());
    push_count(p, n, D - n / 20000); printf("push_count %.12g\n", cks((const double *)p, n * (2 * D + 1)));
    free(p); free(h); free(r); free(pool);
    return 0;
}
