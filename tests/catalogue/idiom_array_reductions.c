/* Array reductions (issue 16, idiom 3): every access to a small declared array of integers updates
   an element with one operator, so each thread can update a copy of its own and add it in at the
   end. Near misses stay serial: an element read for anything else, floating-point elements, a
   parameter's declared size, an array too large to copy, two operators, a call that sees it. Where
   only the copy is ruled out (rms[m + 1], a guard, sizeof, a compared or copied pointer, an array too
   large), the updates could be atomic instead (idiom_atomic_updates.c): those loops stay serial by
   cost, atomic updates of a few elements, or of one per iteration, costing more than the threads gain. */
#include <stdio.h>

#define N 20000
int key[N], weight[N];
int hist[256];
unsigned bits[64], prod[16];
long cnt[32];
int colsum[32], grid[64][32];
double fhist[64];
int big[8192];

static void cksi(const char *name, const int *a, int n) {
    long s = 0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += (long)a[i] * (i % 7 + 1);
    printf("%s %ld\n", name, s);
}

void histogram(int n) {
    for (int i = 0; i < n; i++)
        hist[key[i] & 255]++;
}

/* three arrays, three operators; -= is a sum too */
void several(int n) {
    for (int i = 0; i < n; i++) {
        bits[key[i] & 63] |= (unsigned)weight[i];
        prod[key[i] & 15] *= 3u;
        cnt[key[i] & 31] -= weight[i];
    }
}

/* a local array: each thread's copy, then the shared one read after the loop */
long local_counts(int n) {
    long local[16] = {0};
    for (int i = 0; i < n; i++)
        local[key[i] % 16] += 2;
    long s = 0;
    for (int k = 0; k < 16; k++)
        s = s * 3 + local[k];
    return s;
}

/* column sums: the rows in parallel, each thread with its own colsum */
void column_sums(void) {
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 32; j++)
            colsum[j] += grid[i][j];
}

/* serial: the element is also read to decide */
void read_too(int n) {
    for (int i = 0; i < n; i++) {
        if (hist[key[i] & 255] < 100)
            hist[key[i] & 255]++;
    }
}

/* floating-point sums under the default policy, as for scalars (they may round differently) */
void float_hist(int n) {
    for (int i = 0; i < n; i++)
        fhist[key[i] & 63] += 0.1;
}

/* the update spelled out (`q[l] = q[l] + v`), through a scalar the iteration computes first */
double fq[10];
void spelled_update(int n) {
    int l;
    for (int i = 0; i < n; i++) {
        l = key[i] % 10;
        fq[l] = fq[l] + 1.0;
        cnt[weight[i]] = weight[i] + cnt[weight[i]];
    }
}

/* serial: an integer element plus a fraction truncates each sum, so the order matters */
int ihist[16];
void truncated(int n) {
    for (int i = 0; i < n; i++)
        ihist[key[i] & 15] += 1.5;
}

/* serial: `w - h[k]` is no reduction */
void not_update(int n) {
    for (int i = 0; i < n; i++)
        colsum[key[i] & 31] = weight[i] - colsum[key[i] & 31];
}

/* serial: two elements spelled alike are not the same when the subscript has a side effect */
static int slot;
static int next_slot(void) { return slot++ & 31; }
void side_effect(int n) {
    for (int i = 0; i < n; i++)
        colsum[next_slot()] = colsum[next_slot()] + 1;
}

/* serial: elements spelled alike inside a macro are different elements (h[i & 31] = h[(i + 1) & 31] + 1) */
#define MOVE_UP(a, b) colsum[a] = colsum[b] + 1
void macro_update(int n) {
    for (int i = 0; i < n; i++)
        MOVE_UP(i & 31, (i + 1) & 31);
}

/* serial: each __COUNTER__ is another number, so the two elements differ */
#define NEXT_CELL (__COUNTER__ & 1)
void counter_update(int n) {
    for (int i = 0; i < n; i++)
        colsum[NEXT_CELL] = colsum[NEXT_CELL] + 1;
}

/* serial: two subscripts the comparison cannot read (a floating literal) are not the same element */
void unread_shapes(int n) {
    for (int i = 0; i < n; i++)
        colsum[(int)1.5 + (key[i] & 1)] = colsum[(int)2.5 + (key[i] & 1)] + 1;
}

static int advance(int *p) { *p = (*p + 1) & 31; return 1; }

/* serial: the value changes the subscript between the two reads of the element */
void value_moves_subscript(int n) {
    int k;
    for (int i = 0; i < n; i++) {
        k = key[i] & 31;
        colsum[k] = colsum[k] + advance(&k);
    }
}

static int peek(int k) { return hist[k]; }

/* a parameter updated only at rms[0..4], every one of them whenever the loop runs (NAS's error
   norms): each thread's copy holds those five and is added back into exactly them */
void norms(double rms[5]) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++) {
            double add = grid[i % 64][m] - 0.5;
            rms[m] = rms[m] + add * add;
        }
}

/* rms may point into u: the runtime check keeps rms[0..4] apart from what the loop reads of u (main
   calls it both ways; when they overlap, the serial copy runs) */
void norms_alias(double *rms, const double *u) {
    for (int i = 0; i < 1000; i++)
        for (int m = 0; m < 4; m++)
            rms[m] += u[i * 4 + m] * u[i * 4 + m];
}

/* integer counts through a local pointer set before the loop: c[0..7], each in every iteration */
long norms_counts(void) {
    long out[8] = {0};
    long *c = out;
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 8; m++)
            c[m] += (key[i] >> m) & 1;
    return out[0] * 3 + out[7] * 5 + out[4];
}

/* the loop may run zero times (n of unknown sign), when adding the copies back would still write
   rms[0..4] (-0.0 becomes 0.0; rms may point nowhere): parallel only if a run-time test shows it runs */
void norms_n(double rms[5], int n) {
    for (int i = 0; i < n; i++)
        for (int m = 0; m < 5; m++) {
            double add = grid[i % 64][m] - 0.5;
            rms[m] = rms[m] + add * add;
        }
}

/* serial: rms[0], rms[2], ... rms[8]: the copy's combine would write rms[1], rms[3], ... too */
void norms_gap(double *rms) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++)
            rms[2 * m] = rms[2 * m] + grid[i % 64][m];
}

/* serial: rms[1..5]: a copy from rms[0] would write rms[0], which the loop never touches */
void norms_from1(double *rms) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++)
            rms[m + 1] += grid[i % 64][m];
}

/* serial: how many elements the loop touches depends on k */
void norms_k(double *rms, int k) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < k; m++)
            rms[m] += grid[i % 64][m];
}

/* serial: a guard may skip an element, which the combine would write anyway */
void norms_guard(double *rms) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++)
            if (grid[i % 64][m] > 3)
                rms[m] += grid[i % 64][m];
}

static double first_of(const double *p) { return p[0] > 1e300 ? 1.0 : 0.0; }

/* serial: rms is passed to a function that is not a pure library function */
void norms_passed(double *rms) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++)
            rms[m] += grid[i % 64][m] + first_of(rms);
}

/* serial: sizeof(rms) would be the copy's 40 bytes, not a pointer's */
void norms_sizeof(double *rms) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++)
            rms[m] += grid[i % 64][m] * (double)sizeof(rms);
}

/* serial: rms == other would compare the copy's address */
void norms_compare(double *rms, const double *other) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++)
            rms[m] += grid[i % 64][m] + (rms == other);
}

/* serial: q would point into the copy */
void norms_copied(double *rms) {
    for (int i = 0; i < N; i++)
        for (int m = 0; m < 5; m++) {
            double *q = rms;
            q[m] += grid[i % 64][m];
        }
}

/* serial: the subscripts reach below 0 (the caller passes a pointer into the middle of an array) */
void norms_below(double *rms, int n) {
    for (int i = 0; i < n; i++)
        for (int m = 0; m < 5; m++)
            rms[m - 1] = rms[m - 1] + grid[i % 64][m];
}

/* serial: a call that is not a pure library function might reach the parameter's memory another way */
void norms_call(double rms[5], int n) {
    for (int i = 0; i < n; i++)
        for (int m = 0; m < 5; m++)
            rms[m] = rms[m] + (double)peek(m);
}

/* serial: a parameter's declared size says nothing of the caller's array */
void param_hist(int h[256], int n) {
    for (int i = 0; i < n; i++)
        h[key[i] & 255]++;
}

/* serial: too large to give each thread a copy */
void big_hist(int n) {
    for (int i = 0; i < n; i++)
        big[key[i] % 8192]++;
}

/* serial: two operators on one array */
void two_ops(int n) {
    for (int i = 0; i < n; i++) {
        cnt[key[i] & 31] += 1;
        cnt[weight[i] & 31] *= 2;
    }
}

/* serial: a called function reads the shared array, not the thread's copy */
int call_sees(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        hist[key[i] & 255]++;
        s += peek(i & 255);
    }
    return s;
}

int main(void) {
    for (int i = 0; i < N; i++) {
        key[i] = (i * 7919) % 1000;
        weight[i] = i % 5;
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 32; j++)
            grid[i][j] = (i * j) % 9;
    for (int k = 0; k < 16; k++)
        prod[k] = 1;
    histogram(N); cksi("histogram", hist, 256);
    several(N); printf("several %u %u %ld\n", bits[5] + bits[63], prod[3] + prod[15], cnt[7] + cnt[30]);
    printf("local_counts %ld\n", local_counts(N));
    column_sums(); cksi("column_sums", colsum, 32);
    read_too(N); cksi("read_too", hist, 256);
    float_hist(N); printf("float_hist %.12g\n", fhist[3] + fhist[60]);
    param_hist(hist, N); cksi("param_hist", hist, 256);
    big_hist(N); cksi("big_hist", big, 8192);
    two_ops(N); printf("two_ops %ld\n", cnt[1] + cnt[31]);
    printf("call_sees %d\n", call_sees(N));
    spelled_update(N); printf("spelled_update %.12g %ld\n", fq[0] + fq[9], cnt[2]);
    for (int k = 0; k < 16; k++)
        ihist[k] = -7 * k;
    truncated(N); cksi("truncated", ihist, 16);
    not_update(N); cksi("not_update", colsum, 32);
    side_effect(N); cksi("side_effect", colsum, 32);
    macro_update(N); cksi("macro_update", colsum, 32);
    counter_update(N); cksi("counter_update", colsum, 32);
    value_moves_subscript(N); cksi("value_moves_subscript", colsum, 32);
    unread_shapes(N); cksi("unread_shapes", colsum, 32);
    {
        double rms[12] = {0}, u[4000 + 4];
        for (int k = 0; k < 4004; k++)
            u[k] = (k % 13) * 0.5;
        rms[5] = -0.0;
        norms(rms); norms_below(rms + 1, N); norms_call(rms, 64);
        printf("norms %.12g %.12g %.12g %g\n", rms[0], rms[3], rms[5], rms[5]);
        norms_alias(rms + 6, u); printf("norms_alias %.12g %.12g\n", rms[6], rms[9]);
        norms_alias(u + 2, u); printf("norms_alias overlapping %.12g %.12g\n", u[2], u[5]);
        printf("norms_counts %ld\n", norms_counts());
        rms[5] = -0.0; rms[6] = -0.0;
        norms_n(rms, 0); norms_n(rms + 6, -3); printf("norms_n %g %g\n", rms[5], rms[6]);
        norms_gap(rms + 1); norms_from1(rms); norms_k(rms, 3); norms_guard(rms);
        norms_passed(rms); norms_sizeof(rms); norms_compare(rms, u); norms_copied(rms);
        printf("norms near misses %.12g %.12g %.12g %.12g %.12g\n", rms[0], rms[1], rms[2], rms[9], rms[10]);
    }
    return 0;
}
