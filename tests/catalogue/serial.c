/* Loops that must stay serial in main (or, three that may run zero times, run in parallel only beside their serial copy). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 600

double g_count;
double G[N + 8];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* true (flow) dependence, constant distance 1 */
void flow_const(double *restrict a, const double *restrict b, int n) {
    for (int i = 1; i < n; i++)
        a[i] = a[i - 1] * 0.5 + b[i];
}

/* true dependence, constant distance 3 */
void flow_const3(double *restrict a, int n) {
    for (int i = 3; i < n; i++)
        a[i] = a[i - 3] * 0.25 + 1.0;
}

/* true dependence with a symbolic distance m */
void flow_symbolic(double *restrict a, int n, int m) {
    for (int i = 0; i < n; i++)
        a[i + m] = a[i] * 0.5 + 1.0;
}

/* anti dependence, constant distance 1 */
void anti_const(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n - 1; i++)
        a[i] = a[i + 1] + b[i];
}

/* anti dependence with a symbolic distance */
void anti_symbolic(double *restrict a, int n, int m) {
    for (int i = 0; i < n; i++)
        a[i] = a[i + m] * 0.5 + 1.0;
}

/* output dependence, constant distance 1 */
void output_const(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n - 1; i++) {
        a[i] = b[i];
        a[i + 1] = b[i] * 2.0;
    }
}

/* output dependence, symbolic distance */
void output_symbolic(double *restrict a, const double *restrict b, int n, int m) {
    for (int i = 0; i < n; i++) {
        a[i] = b[i];
        a[i + m] = b[i] + 1.0;
    }
}

/* every iteration writes the same element */
void output_same(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        a[0] = b[i] * 3.0;
}

/* indirect write: idx may repeat (atomic updates would do, but one add an iteration does not pay for them) */
void indirect_hist(double *restrict h, const int *restrict idx, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        h[idx[i]] += b[i];
}

/* indirect write even when idx happens to be a permutation */
void indirect_scatter(double *restrict a, const int *restrict perm, const double *restrict b, int n) {
    for (int i = 0; i < n; i++)
        a[perm[i]] = b[i] * 2.0;
}

/* not a reduction form: s = s*2 + a[i] */
double missing_reduction(const double *restrict a, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s = s * 0.5 + a[i];
    return s;
}

/* live-out global written only on some paths: not lastprivate-able (depth_liveout.c has locals) */
static int last_seen = -1;
int live_out_conditional(const double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] > 5.0)
            last_seen = i;
    return last_seen;
}

/* a counter carried from one iteration to the next */
void carried_counter(double *restrict b, const double *restrict a, int n) {
    double x = 0.0;
    for (int i = 0; i < n; i++) {
        x = x + 1.0;
        b[i] = a[i] * x;
    }
}

/* break leaves the loop */
int early_exit(const double *restrict a, int n) {
    int found = -1;
    for (int i = 0; i < n; i++) {
        if (a[i] > 9.5) {
            found = i;
            break;
        }
    }
    return found;
}

/* return leaves the loop */
int early_return(const double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] < 0.05)
            return i;
    return -1;
}

/* I/O in the body */
void with_printf(const double *restrict a, int n) {
    for (int i = 0; i < n; i += 100)
        printf("io %d %.6f\n", i, a[i]);
}

/* hidden state of rand() */
void with_rand(double *restrict a, int n) {
    srand(7);
    for (int i = 0; i < n; i++)
        a[i] = (double)(rand() % 100);
}

/* a call through a function pointer: effects unknown */
void with_unknown_call(double *restrict a, int n, double (*op)(double)) {
    for (int i = 0; i < n; i++)
        a[i] = op(a[i]);
}

static double bump(double x) {
    g_count += 1.0;
    return x + g_count;
}

/* same-TU function that writes a global */
void with_global_writer(double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = bump(a[i]);
}

/* 2-D wavefront: both loops carry a dependence */
void wavefront(int n) {
    static double w[40][40];
    for (int i = 0; i < 40; i++)
        for (int j = 0; j < 40; j++)
            w[i][j] = (double)(i + j) / 10.0;
    for (int i = 1; i < 40; i++)
        for (int j = 1; j < 40; j++)
            w[i][j] = (w[i - 1][j] + w[i][j - 1]) * 0.5;
    cks("wavefront", &w[0][0], 40 * 40);
    (void)n;
}

/* the body writes the induction variable */
void writes_iv(double *restrict a, int n) {
    for (int i = 0; i < n; i++) {
        a[i] = a[i] + 1.0;
        if (a[i] > 8.0)
            i++;
    }
}

/* pointer bumped inside the loop */
void pointer_bump(double *restrict a, const double *restrict b, int n) {
    double *p = a;
    for (int i = 0; i < n; i++)
        *p++ = b[i] + 1.0;
}

/* linearised with a row length n but columns up to m: rows may overlap */
void linear_overlap(double *restrict a, int n, int m) {
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < m; j++)
            a[i * n + j] = a[i * n + j] * 0.5 + (double)i;
}

/* an update through a struct member is not an OpenMP reduction */
struct acc { double total; };
void member_sum(struct acc *restrict acc, const double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        acc->total += a[i];
}

/* a write through a pointer that may alias an indirectly read array: its check inspects idx (b overlaps) */
void alias_indirect(double *a, const double *b, const int *idx, int n) {
    for (int i = 0; i < n; i++)
        a[i] = b[idx[i]] + 1.0;
}

/* non-canonical increment */
void non_canonical(double *restrict a, int n) {
    for (int i = 1; i < n; i = i * 2)
        a[i] = a[i] + 1.0;
}

/* an existing pragma is left alone */
void existing_pragma(double *restrict a, int n) {
#pragma omp parallel for
    for (int i = 0; i < n; i++)
        a[i] = a[i] * 2.0;
}

/* opted out by the user */
void opted_out(double *restrict a, int n) {
    // autopar: off
    for (int i = 0; i < n; i++)
        a[i] = a[i] + 3.0;
}

#define ZERO_LOOP(arr, count) for (int z = 0; z < (count); z++) (arr)[z] = 0.0
/* a loop from a macro expansion */
void from_macro(double *restrict a, int n) {
    ZERO_LOOP(a, n);
}

/* goto leaves the loop */
int with_goto(const double *restrict a, int n) {
    int at = -1;
    for (int i = 0; i < n; i++)
        if (a[i] > 9.9) {
            at = i;
            goto done;
        }
done:
    return at;
}

/* a global scalar accumulated as an ordinary (non-reduction) recurrence */
void global_recurrence(const double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        G[i % 8] = G[(i + 1) % 8] + a[i];
}

/* step 2 with a flow dependence of one iteration */
void step2_flow(double *restrict a, int n) {
    for (int i = 2; i < n; i += 2)
        a[i] = a[i - 2] + 1.0;
}

/* negative step carrying a dependence */
void reverse_flow(double *restrict a, int n) {
    for (int i = n - 2; i >= 0; i--)
        a[i] = a[i + 1] * 0.5 + 1.0;
}

/* the outer loop of an in-place transpose-like update carries a dependence; its inner loop does not */
void coupled_inplace(int n) {
    static double t[32][32];
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++)
            t[i][j] = (double)(i * 32 + j);
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++)
            t[i][j] = t[j][i] + 1.0;
    cks("coupled_inplace", &t[0][0], 32 * 32);
    (void)n;
}

/* fields of a union overlap, even behind a typedef: p[i].f and p[i + 1].bits share bytes */
typedef union { float f; unsigned bits; } word;
void union_fields(word *restrict p, int n) {
    for (int i = 0; i < n - 1; i++)
        p[i].f = (float)(p[i + 1].bits % 1000u) * 0.5f;
}

/* a scratch array filled only on some iterations: the others read the previous fill */
void conditional_fill(double *restrict out, const double *restrict a, int n) {
    double tmp[4] = {0.0, 0.0, 0.0, 0.0};
    for (int i = 0; i < n / 4; i++) {
        if (a[i] > 5.0) {
            for (int k = 0; k < 4; k++)
                tmp[k] = a[i * 4 + k];
        }
        for (int k = 0; k < 4; k++)
            out[i * 4 + k] = tmp[k] * 2.0;
    }
}

/* the bound lives in memory the body writes: OpenMP would read it once, the serial loop every time */
void bound_in_memory(double *restrict a, int *restrict len) {
    for (int i = 0; i < len[0]; i++) {
        a[i] = a[i] + 1.0;
        if (a[i] > 9.0)
            len[0] = i;
    }
}

/* start also changes inside k itself: not a parameter of k, and b stays serial; k advances start by
 * one in every iteration, so k itself runs with linear(start:1) */
void blocks_inner_write(double *restrict a, int nb, int len) {
    int start = 0;
    for (int b = 0; b < nb; b++)
        for (int k = 0; k < len; k++) {
            a[start] = a[start] * 0.5 + 1.0;
            start++;
        }
}

/* a 3x3 window per output element under a loop that cannot run in parallel (in and out may overlap
 * anywhere: the rows come from data): a thread team per element costs more than the window's work */
void window_max(float *out, const float *in, const int *restrict rows, int n, int w) {
    for (int o = 0; o < n; o++) {
        int r = rows[o];
        float best = in[r * w];
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++) {
                float v = in[(r + dy) * w + dx];
                if (v > best)
                    best = v;
            }
        out[o] = best;
    }
}

static double twice(double x) { return 2.0 * x; }

/* lastprivate when the loop may run no iteration: serial C keeps t = 7 (and i = lo), OpenMP leaves
   them unspecified (gcc copies out garbage): parallel only under a run-time test that the loop runs */
double lastprivate_may_skip(double *restrict b, const double *restrict a, int n) {
    double t = 7.0;
    for (int i = 0; i < n; i++) {
        t = a[i] + 1.0;
        b[i] = t;
    }
    return t;
}

int iv_may_skip(double *restrict b, int lo, int n) {
    int i = 99;
    for (i = lo; i < n; i++)
        b[i] = (double)i;
    return i;
}

/* && from -1: with no iteration serial keeps -1, reduction(&&) gives 1: parallel only if the loop runs */
int and_from_minus_one(const double *restrict a, int n) {
    int ok = -1;
    for (int i = 0; i < n; i++)
        ok = ok && a[i] > 0.5;
    return ok;
}

/* max through a narrowing assignment: the truncation makes the result depend on the order */
int narrow_max(const double *restrict a, int n) {
    signed char mx = -1;
    for (int i = 0; i < n; i++) {
        int v = (int)(a[i] * 100.0);
        if (v > mx)
            mx = v;
    }
    return mx;
}

/* the compared value narrowed, the stored one not: not a max either */
int narrow_compare_cast(const int *restrict a, int n) {
    int mx = -1;
    for (int i = 0; i < n; i++)
        if ((signed char)a[i] > mx)
            mx = a[i];
    return mx;
}

/* the same, the stored copy spelled with a cast: it is not the value compared, so not a max */
int narrow_max_cast(const double *restrict a, int n) {
    signed char mx = -1;
    for (int i = 0; i < n; i++) {
        int v = (int)(a[i] * 100.0);
        if (v > mx)
            mx = (signed char)v;
    }
    return mx;
}

/* an unsigned counter that wraps: 12 iterations through 2^32 - 7 .. 4; OpenMP would count none */
void unsigned_wrap(double *restrict b) {
    for (unsigned i = -7; i != 5; i++)
        b[i + 7] = 1.0;
}

/* OpenMP counts the iterations in the counter's type: 30000 + 9999 wraps in a short (three
   iterations serially, none in parallel), and a span of 4e9 overflows an int */
void short_count(double *restrict a) {
    for (short i = 0; i < 30000; i += 10000)
        a[i / 1000] = 2.0;
}
void wide_span(double *restrict a) {
    for (int i = -2000000000; i < 2000000000; i += 250000000)
        a[i / 250000000 + 8] = 3.0;
}

/* gcc rejects a parenthesized condition under an OpenMP pragma */
void paren_condition(double *restrict a, int n) {
    for (int i = 0; (i < n); i++)
        a[i] = a[i] * 2.0;
}

/* an address carried as an integer: the store may reach what p reads, one element on */
static void integer_address(int n, const double *p, unsigned long addr) {
    for (int i = 0; i < n; i++)
        ((double *)addr)[i + 1] = p[i] * 0.5 + 1.0;
}

/* elements reached through a call's result: the function returns the array p reads */
static double *view_of(double *v) { return v; }
static void call_result(int n, double *p) {
    for (int i = 0; i < n; i++)
        view_of(p)[i + 1] = p[i] * 0.5 + 1.0;
}

/* a subscript that leaves its row whenever the loop runs: b[i][-1] is b[i - 1][m - 1], written by the
   iteration before */
static void leaves_row(int n, int m) {
    double b[n][m];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = (double)(i + j);
    for (int i = 1; i < n; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = b[i][j - 1] + 1.0;
    printf("leaves_row %.12g %.12g\n", b[n - 1][m - 1], b[n / 2][0]);
}

int main(void) {
    int n = N;
    double *a = malloc(sizeof(double) * (2 * N + 16));
    double *b = malloc(sizeof(double) * (2 * N + 16));
    int *idx = malloc(sizeof(int) * N);
    int *perm = malloc(sizeof(int) * N);
#define RESET()                                                   \
    for (int r = 0; r < 2 * N + 16; r++) {                        \
        a[r] = (double)((r * 37) % 101) / 10.0;                   \
        b[r] = (double)((r * 53) % 97) / 10.0;                    \
    }
    for (int i = 0; i < N; i++) {
        idx[i] = (i * 7) % 50;
        perm[i] = (i * 7) % N;
    }
    RESET(); flow_const(a, b, n); cks("flow_const", a, n);
    RESET(); flow_const3(a, n); cks("flow_const3", a, n);
    RESET(); flow_symbolic(a, n, 5); cks("flow_symbolic", a, 2 * n);
    RESET(); anti_const(a, b, n); cks("anti_const", a, n);
    RESET(); anti_symbolic(a, n, 3); cks("anti_symbolic", a, 2 * n);
    RESET(); output_const(a, b, n); cks("output_const", a, n);
    RESET(); output_symbolic(a, b, n, 4); cks("output_symbolic", a, 2 * n);
    RESET(); output_same(a, b, n); cks("output_same", a, 4);
    RESET(); indirect_hist(a, idx, b, n); cks("indirect_hist", a, 64);
    RESET(); indirect_scatter(a, perm, b, n); cks("indirect_scatter", a, n);
    RESET(); printf("missing_reduction %.12g\n", missing_reduction(a, n));
    RESET(); printf("live_out_conditional %d\n", live_out_conditional(a, n));
    RESET(); carried_counter(b, a, n); cks("carried_counter", b, n);
    RESET(); printf("early_exit %d\n", early_exit(a, n));
    RESET(); printf("early_return %d\n", early_return(a, n));
    RESET(); with_printf(a, n);
    RESET(); with_rand(a, n); cks("with_rand", a, n);
    RESET(); with_unknown_call(a, n, twice); cks("with_unknown_call", a, n);
    RESET(); with_global_writer(a, n); cks("with_global_writer", a, n);
    wavefront(n);
    RESET(); writes_iv(a, n); cks("writes_iv", a, n);
    RESET(); pointer_bump(a, b, n); cks("pointer_bump", a, n);
    RESET(); linear_overlap(a, 20, 30); cks("linear_overlap", a, 200);
    RESET(); { struct acc s = {0.0}; member_sum(&s, a, n); printf("member_sum %.12g\n", s.total); }
    RESET(); alias_indirect(a, a + 1, idx, n); cks("alias_indirect", a, n);
    RESET(); non_canonical(a, n); cks("non_canonical", a, n);
    RESET(); existing_pragma(a, n); cks("existing_pragma", a, n);
    RESET(); opted_out(a, n); cks("opted_out", a, n);
    RESET(); from_macro(a, n); cks("from_macro", a, n);
    RESET(); printf("with_goto %d\n", with_goto(a, n));
    RESET(); global_recurrence(a, n); cks("global_recurrence", G, 8);
    RESET(); step2_flow(a, n); cks("step2_flow", a, n);
    RESET(); reverse_flow(a, n); cks("reverse_flow", a, n);
    coupled_inplace(n);
    leaves_row(40, 30);
    RESET(); { int len = n; bound_in_memory(a, &len); printf("bound_in_memory %d\n", len); } cks("bound_in_memory", a, n);
    RESET(); conditional_fill(b, a, n); cks("conditional_fill", b, n);
    {
        word *w = malloc(sizeof(word) * N);
        for (int r = 0; r < N; r++)
            w[r].bits = (unsigned)(r * 2654435761u);
        union_fields(w, n);
        double s = 0.0;
        for (int r = 0; r < N; r++)
            s += (double)(w[r].bits % 997u);
        printf("union_fields %.12g\n", s);
        free(w);
    }
    RESET(); blocks_inner_write(a, 5, 7); cks("blocks_inner_write", a, 35);
    RESET(); printf("lastprivate_may_skip %.12g %.12g\n", lastprivate_may_skip(b, a, 0),
                    lastprivate_may_skip(b, a, n)); cks("lastprivate_may_skip", b, n);
    RESET(); printf("iv_may_skip %d %d\n", iv_may_skip(b, 5, 3), iv_may_skip(b, 5, n)); cks("iv_may_skip", b, n);
    RESET(); printf("and_from_minus_one %d %d\n", and_from_minus_one(a, 0), and_from_minus_one(a, n));
    RESET(); printf("narrow_max %d\n", narrow_max(a, n));
    RESET(); printf("narrow_max_cast %d\n", narrow_max_cast(a, n));
    RESET(); printf("narrow_compare_cast %d\n", narrow_compare_cast(perm, n));
    RESET(); unsigned_wrap(b); cks("unsigned_wrap", b, 16);
    RESET(); short_count(b); cks("short_count", b, 30);
    RESET(); wide_span(b); cks("wide_span", b, 16);
    RESET(); paren_condition(a, n); cks("paren_condition", a, n);
    {
        float fin[64], fout[8];
        int rows[8];
        for (int r = 0; r < 64; r++)
            fin[r] = (float)((r * 29) % 31);
        for (int r = 0; r < 8; r++)
            rows[r] = (r * 3) % 5;
        window_max(fout, fin, rows, 8, 8);
        double s = 0.0;
        for (int r = 0; r < 8; r++)
            s += fout[r] * (r + 1);
        printf("window_max %.4f\n", s);
    }
    RESET(); integer_address(n, a, (unsigned long)a); cks("integer_address", a, n + 1);
    RESET(); call_result(n, a); cks("call_result", a, n + 1);
    free(a); free(b); free(idx); free(perm);
    return 0;
}
