/* Atomic updates (issue 16, idiom 3): a loop that only updates the elements of an array with one
   operator, where the array is too large for each thread to get a copy (or the loop's bounds are not
   constants), runs in parallel with `#pragma omp atomic` on each update statement, written by
   `rewrite` as `_Pragma("omp atomic")` on the statement's own line. The cost model takes it only where
   an iteration does much work besides: an atomic update costs many plain ones where threads meet on
   elements, and how keys spread is data it cannot see. Near misses stay serial: the update's value
   used, an update spelled by a macro, the array read for anything else, a call that sees it, a 16-byte
   element. */
#include <stdio.h>

#define N 3000
#define F 160
#define NB 65536
#define BIN(a, k) a[k]++

double feature[N][F], weight[F];
int counts[NB], other[NB];
double mass[NB];
long double wide[NB];

static int bucket_of(double s) {
    return (int)((unsigned)(s * 97.0) % NB);
}

static int peek(int k) { return counts[k]; }

static long cksi(const int *a) {
    long s = 0;
    // autopar: off
    for (int k = 0; k < NB; k++)
        s += (long)a[k] * (k % 7 + 1);
    return s;
}

/* parallel: each row's score takes F (160) multiplications, then one count among 65,536 */
void classify(int n) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int f = 0; f < F; f++)
            s += feature[i][f] * weight[f];
        counts[bucket_of(s)]++;
    }
}

/* parallel: two arrays, floating-point sums among them, one update under a test */
void weigh(int n) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int f = 0; f < F; f++)
            s += feature[i][f] * feature[i][f];
        int b = bucket_of(s);
        mass[b] += s;
        if (s > 10.0)
            other[b] -= 2;
    }
}

/* serial (legal, by cost): one update is all an iteration does */
void bare_counts(int n) {
    for (int i = 0; i < n; i++)
        counts[(i * 7919) % NB]++;
}

/* serial (legal, by cost): a pointer's array may be small, where threads meet on its elements */
void pointer_bins(int *restrict h, int n) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int f = 0; f < 4; f++)
            s += feature[i][f];
        h[bucket_of(s) % 64] += 1;
    }
}

/* serial: the update's value is used */
long value_used(int n) {
    long t = 0;
    for (int i = 0; i < n; i++)
        t += counts[(i * 31) % NB]++;
    return t;
}

/* serial: the update is spelled by a macro */
void macro_spelled(int n) {
    for (int i = 0; i < n; i++)
        BIN(counts, (i * 31) % NB);
}

/* serial: the array is read for a test as well */
void read_too(int n) {
    for (int i = 0; i < n; i++)
        if (counts[(i * 13) % NB] < 100)
            counts[(i * 17) % NB]++;
}

/* serial: a called function reads the array */
int call_sees(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        counts[(i * 5) % NB]++;
        s += peek((i * 3) % NB);
    }
    return s;
}

/* serial: a 16-byte element may need libatomic */
void wide_sums(int n) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int f = 0; f < F; f++)
            s += feature[i][f] * weight[f];
        wide[bucket_of(s)] += s;
    }
}

int main(void) {
    for (int i = 0; i < N; i++)
        for (int f = 0; f < F; f++)
            feature[i][f] = ((i * 37 + f * 11) % 101) / 64.0;  /* (sums exact in any order: the bins too) */
    for (int f = 0; f < F; f++)
        weight[f] = (f % 5) * 0.25 + 0.5;
    int h[64] = {0};
    classify(N); printf("classify %ld\n", cksi(counts));
    weigh(N);
    double m = 0.0;
    for (int k = 0; k < NB; k++)
        m += mass[k] * (k % 3);
    printf("weigh %.9g %ld\n", m, cksi(other));
    bare_counts(N); printf("bare_counts %ld\n", cksi(counts));
    pointer_bins(h, N); printf("pointer_bins %d %d\n", h[3], h[40]);
    printf("value_used %ld\n", value_used(N));
    macro_spelled(N); printf("macro_spelled %ld\n", cksi(counts));
    read_too(N); printf("read_too %ld\n", cksi(counts));
    printf("call_sees %d\n", call_sees(N));
    wide_sums(N); printf("wide_sums %.9Lg\n", wide[bucket_of(3.0)]);
    return 0;
}
