/* One-dimensional loops that must be parallel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 800
double GA[N], GB[N];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* restrict pointers: independent elements */
void vec_add(double *restrict c, const double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        c[i] = a[i] + b[i];
}

/* distinct globals do not alias */
void globals_scale(int n) {
    for (int i = 0; i < n; i++)
        GA[i] = GB[i] * 2.0 + 1.0;
}

/* in-place update of the same element */
void in_place(double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = a[i] * a[i] - 1.0;
}

/* negative step */
void reverse_copy(double *restrict a, const double *restrict b, int n) {
    for (int i = n - 1; i >= 0; i--)
        a[i] = b[n - 1 - i] + 0.5;
}

/* step 2: even elements written, odd elements read */
void step2_even_odd(double *restrict a, int n) {
    for (int i = 0; i < n - 1; i += 2)
        a[i] = a[i + 1] * 3.0;
}

/* a[2i] = a[2i+1]: no element is both written and read across iterations */
void stride_gcd(double *restrict a, int n) {
    for (int i = 0; i < n / 2; i++)
        a[2 * i] = a[2 * i + 1] + 1.0;
}

/* reads [n, 2n), writes [0, n): a symbolic offset that never overlaps */
void symbolic_disjoint(double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = a[i + n] * 0.5;
}

/* out-of-place 3-point stencil */
void stencil3(double *restrict b, const double *restrict a, int n) {
    for (int i = 1; i < n - 1; i++)
        b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
}

/* indirect reads are fine */
void gather(double *restrict a, const double *restrict b, const int *restrict idx, int n) {
    for (int i = 0; i < n; i++)
        a[i] = b[idx[i]] * 2.0;
}

/* pure libm calls */
void libm_calls(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        a[i] = sqrt(fabs(b[i])) + sin(b[i]) * exp(-b[i]);
}

static double poly3(double x) { return ((x * 0.5 + 1.0) * x - 2.0) * x + 0.25; }

/* a same-TU pure function */
void same_tu_pure(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        a[i] = poly3(b[i]);
}

/* conditional write of the own element */
void conditional_write(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        if (b[i] > 4.0)
            a[i] = b[i] - 4.0;
}

/* continue is allowed */
void with_continue(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++) {
        if (b[i] < 2.0)
            continue;
        a[i] = b[i] * 0.5;
    }
}

/* long induction variable and a <= bound */
void long_iv(double *restrict a, long n) {
    for (long i = 0; i <= n - 1; i++)
        a[i] = (double)i * 0.001;
}

/* a short counter stepping by 1 from 0: OpenMP's count (at most n) fits a short */
void short_iv(double *restrict a, short n) {
    for (short i = 0; i < n; i++)
        a[i] = (double)i * 0.5;
}

/* pointers without restrict: legal under a runtime overlap check (called both ways from main) */
void scale_alias(double *dst, const double *src, int n) {
    for (int i = 0; i < n; i++)
        dst[i] = src[i] * 1.5;
}

/* a pointer parameter and a global array may alias: runtime check against the global */
void global_from_pointer(const double *p, int n) {
    for (int i = 0; i < n; i++)
        GA[i] = p[i] + 2.0;
}

/* unsigned induction variable */
void unsigned_iv(double *restrict a, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        a[i] = a[i] + (double)(i % 7);
}

struct point { double x, y; };

/* fields of an array of structs: p[i].x and p[i].y never overlap */
void struct_fields(struct point *restrict p, int n) {
    for (int i = 0; i < n; i++)
        p[i].x = p[i].y * 2.0 + 1.0;
}

/* a local pointer derived from a restrict parameter may overlap it: checked at run time (and here
   it does overlap, so the loop runs serially) */
void derived_pointer(double *restrict a, int n) {
    double *q = a + 1;
    for (int i = 0; i < n - 1; i++)
        q[i] = a[i] * 0.5 + 1.0;
}

struct settings { double offset; int unused; };

/* a scalar member read through a pointer that may alias the written array: checked with &s->offset */
void member_scalar(double *a, const struct settings *s, int n) {
    for (int i = 0; i < n; i++)
        a[i] = a[i] * 2.0 + s->offset;
}

static double window_sum(const double *r, int m) {
    double s = 0.0;
    for (int j = 0; j < m; j++)
        s += r[j];
    return s;
}

/* a same-TU function that only reads through its pointer argument */
void window_sums(double *restrict out, const double *restrict a, int n) {
    for (int i = 0; i < n - 4; i++)
        out[i] = window_sum(a + i, 4);
}

struct vec { int len; double *data; };

/* the bound is read from a struct through a restrict pointer the loop does not write */
void bound_from_struct(const struct vec *restrict v, double *restrict out) {
    for (int i = 0; i < v->len; i++)
        out[i] = v->data[i] * 3.0;
}

double g_scale = 1.25, g_total;

/* a pointer may point to a global scalar the loop reads: runtime check against &g_scale */
void scale_by_global(double *p, int n) {
    for (int i = 0; i < n; i++)
        p[i] = p[i] * g_scale;
}

/* a global accumulator: a reduction, checked against the pointer it reads */
void accumulate_global(const double *p, int n) {
    for (int i = 0; i < n; i++)
        g_total += p[i];
}

int main(void) {
    int n = N;
    double *a = malloc(sizeof(double) * (2 * N + 16));
    double *b = malloc(sizeof(double) * (2 * N + 16));
    int *idx = malloc(sizeof(int) * N);
    for (int r = 0; r < N; r++) {
        GA[r] = 0.0;
        GB[r] = (double)((r * 11) % 23);
        idx[r] = (r * 7) % N;
    }
#define RESET()                                                   \
    for (int r = 0; r < 2 * N + 16; r++) {                        \
        a[r] = (double)((r * 37) % 101) / 10.0;                   \
        b[r] = (double)((r * 53) % 97) / 10.0;                    \
    }
    RESET(); vec_add(a, b, b + 1, n); cks("vec_add", a, n);
    globals_scale(n); cks("globals_scale", GA, n);
    RESET(); in_place(a, n); cks("in_place", a, n);
    RESET(); reverse_copy(a, b, n); cks("reverse_copy", a, n);
    RESET(); step2_even_odd(a, n); cks("step2_even_odd", a, n);
    RESET(); stride_gcd(a, n); cks("stride_gcd", a, n);
    RESET(); symbolic_disjoint(a, n); cks("symbolic_disjoint", a, 2 * n);
    RESET(); stencil3(a, b, n); cks("stencil3", a, n);
    RESET(); gather(a, b, idx, n); cks("gather", a, n);
    RESET(); libm_calls(a, b, n); cks("libm_calls", a, n);
    RESET(); same_tu_pure(a, b, n); cks("same_tu_pure", a, n);
    RESET(); conditional_write(a, b, n); cks("conditional_write", a, n);
    RESET(); with_continue(a, b, n); cks("with_continue", a, n);
    RESET(); long_iv(a, n); cks("long_iv", a, n);
    RESET(); short_iv(a, (short)n); cks("short_iv", a, n);
    RESET(); scale_alias(a, b, n); cks("scale_alias", a, n);
    RESET(); scale_alias(a + 1, a, n); cks("scale_alias_overlap", a, n + 1);
    RESET(); global_from_pointer(b, n); cks("global_from_pointer", GA, n);
    RESET(); unsigned_iv(a, (unsigned)n); cks("unsigned_iv", a, n);
    RESET(); derived_pointer(a, n); cks("derived_pointer", a, n);
    RESET(); { struct settings st = {0.5, 0}; member_scalar(a, &st, n); } cks("member_scalar", a, n);
    RESET(); window_sums(a, b, n); cks("window_sums", a, n);
    RESET(); { struct vec v = {n, b}; bound_from_struct(&v, a); } cks("bound_from_struct", a, n);
    RESET(); scale_by_global(a, n); cks("scale_by_global", a, n);
    RESET(); g_total = 0.0; accumulate_global(a, n); printf("accumulate_global %.12g\n", g_total);
    {
        struct point *pts = malloc(sizeof(struct point) * N);
        for (int r = 0; r < n; r++) {
            pts[r].x = 0.0;
            pts[r].y = (double)(r % 9);
        }
        struct_fields(pts, n);
        double s = 0.0;
        for (int r = 0; r < n; r++)
            s += pts[r].x * (double)(r % 5);
        printf("struct_fields %.12g\n", s);
        free(pts);
    }
    free(a); free(b); free(idx);
    return 0;
}
