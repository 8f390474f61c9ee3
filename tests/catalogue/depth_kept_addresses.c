/* A restrict parameter's address kept by a call (autopar/frontend/kept_addresses.py): a function of the
   file that stores it in a global or a struct member, through one or two levels of calls, or code the
   analysis cannot see, makes the global reach the parameter's memory whatever restrict says. Each
   loop below reads what the next iteration writes through the kept copy, so it gets a runtime check
   (which fails on main's calls: the serial copy runs), never a static proof. The near misses (a
   callee that only reads through the pointer, the C library's memset) stay parallel with no check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 4096

static void cks(const char *name, const double *v, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += v[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* each case keeps its address in a global of its own: a loop naming one is not disturbed by another */
const double *gp, *gq, *gs, *gt, *gu, *gv, *gw;
struct holder { const double *p; } hold, *sp;
struct holder spare;

static void keep(const double *p) { gp = p; }
static void keep_member(const double *p) { hold.p = p; }
static void keep_twice(const double *q) { keep_member(q); }
static void keep_into(struct holder *s, const double *p) { s->p = p; }
static void keep_static(const double *p) {
    static const double *last;
    last = p;
    gq = last;
}
static void keep_global(const double *p) { gt = p; }
static void (*volatile keep_unseen)(const double *) = keep_global;
static void keep_at_call(const double *p) { gw = p; }
static double first(const double *p) { return p[0] * 0.0; }
static double read_only(const double *p) { return first(p) + p[1] * 0.0; }

/* runtime check: keep(x) stores x in gp */
void kept_by_call(double *restrict x, const double *restrict g, int n) {
    keep(x);
    for (int i = 0; i < n; i++)
        x[i] = gp[i + 1] * 0.5 + g[i];
}

/* runtime check: two levels of calls store x in the member of a global struct */
void kept_in_member(double *restrict x, const double *restrict g, int n) {
    keep_twice(x);
    for (int i = 0; i < n; i++)
        x[i] = hold.p[i + 1] * 0.25 + g[i];
}

/* runtime check: stored through the callee's pointer parameter, into what the global sp points to */
void kept_through_pointer(double *restrict x, const double *restrict g, int n) {
    keep_into(sp, x);
    for (int i = 0; i < n; i++)
        x[i] = sp->p[i + 1] * 0.5 + g[i];
}

/* runtime check: the callee keeps x in a static local first, then in gq */
void kept_in_static(double *restrict x, const double *restrict g, int n) {
    keep_static(x);
    for (int i = 0; i < n; i++)
        x[i] = gq[i + 1] * 0.5 + g[i];
}

/* runtime check: a local copy of x stored in a global, then copied to another */
void kept_from_copy(double *restrict x, const double *restrict g, int n) {
    const double *q = x;
    gs = q;
    gu = gs;
    for (int i = 0; i < n; i++)
        x[i] = gu[i + 1] * 0.5 + g[i];
}

/* runtime check: a call through a pointer may keep x anywhere */
void kept_unseen(double *restrict x, const double *restrict g, int n) {
    keep_unseen(x);
    for (int i = 0; i < n; i++)
        x[i] = gt[i + 1] * 0.5 + g[i];
}

/* runtime check: x stored through s, and t may point to the same struct */
void kept_through_other(double *restrict x, struct holder *s, const struct holder *t, int n) {
    s->p = x;
    for (int i = 0; i < n; i++)
        x[i] = t->p[i + 1] * 0.5 + 1.0;
}

/* runtime check: main passes distinct fresh arrays, but x is kept in gw (the call-site fact is no
   fact: the loop reads through a pointer loaded from memory) */
static void kept_at_call_sites(double *x, const double *g, int n) {
    keep_at_call(x);
    for (int i = 0; i < n; i++)
        x[i] = gw[i + 1] * 0.5 + g[i];
}

/* near misses, parallel with no check: the callees only read through x, and memset keeps nothing */
void read_only_call(double *restrict x, const double *restrict g, int n) {
    double t = read_only(x);
    for (int i = 0; i < n; i++)
        x[i] = gv[i + 1] * 0.5 + g[i] + t;
}
void library_call(double *restrict x, const double *restrict g, int n) {
    memset(x, 0, sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++)
        x[i] = gv[i + 1] * 0.5 + g[i];
}

static void reset(double *v, int n) {
    // autopar: off
    for (int i = 0; i < n; i++)
        v[i] = (double)(i % 7);
}

int main(void) {
    double *block = malloc(sizeof(double) * (N + 1)), *one = malloc(sizeof(double) * N);
    double *other = malloc(sizeof(double) * (N + 1));
    if (!block || !one || !other)
        return 1;
    for (int i = 0; i < N; i++)
        one[i] = (double)(i % 3);
    reset(other, N + 1);
    gv = other;
    sp = &spare;
    reset(block, N + 1); kept_by_call(block, one, N); cks("kept_by_call", block, N + 1);
    reset(block, N + 1); kept_in_member(block, one, N); cks("kept_in_member", block, N + 1);
    reset(block, N + 1); kept_through_pointer(block, one, N); cks("kept_through_pointer", block, N + 1);
    reset(block, N + 1); kept_in_static(block, one, N); cks("kept_in_static", block, N + 1);
    reset(block, N + 1); kept_from_copy(block, one, N); cks("kept_from_copy", block, N + 1);
    reset(block, N + 1); kept_unseen(block, one, N); cks("kept_unseen", block, N + 1);
    reset(block, N + 1); kept_through_other(block, &spare, &spare, N); cks("kept_through_other", block, N + 1);
    reset(block, N + 1); kept_at_call_sites(block, one, N); cks("kept_at_call_sites", block, N + 1);
    reset(block, N + 1); read_only_call(block, one, N); cks("read_only_call", block, N + 1);
    reset(block, N + 1); library_call(block, one, N); cks("library_call", block, N + 1);
    free(block); free(one); free(other);
    return 0;
}
