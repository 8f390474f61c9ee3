/* Loops that step by a variable (issue 16, item 1): `for (start = 0; start < n; start += len)`. Each
   iteration touches a window of the arrays; when the windows are shorter than the step, iterations
   are independent (statically, or under a runtime condition on the parameters). Near misses keep
   the conservative answer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4096

static void cks(const char *name, const double *v, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += v[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* FFT's butterflies: block start touches re[start .. start + 2 * half - 1], within len elements
   when 2 * half <= len, which the runtime condition checks */
static void fft_blocks(double *re, double *im, const double *wr, const double *wi, int n) {
    for (int len = 2; len <= n; len <<= 1) {
        int half = len / 2;
        int stride = n / len;
        for (int start = 0; start < n; start += len) {
            for (int k = 0; k < half; k++) {
                int top = start + k, bottom = start + k + half;
                double tr = wr[k * stride] * re[bottom] - wi[k * stride] * im[bottom];
                double ti = wr[k * stride] * im[bottom] + wi[k * stride] * re[bottom];
                re[bottom] = re[top] - tr;
                im[bottom] = im[top] - ti;
                re[top] = re[top] + tr;
                im[top] = im[top] + ti;
            }
        }
    }
}

/* each block scaled by its own first element: the window is the block, statically (n is a
   multiple of len) */
static void block_scale(double *v, int n, int len) {
    for (int start = 0; start < n; start += len) {
        double first = v[start];
        for (int k = 1; k < len; k++)
            v[start + k] = v[start + k] / (1.0 + fabs(first));
    }
}

/* serial: the window reaches one element into the next block */
static void block_overlap(double *v, int n, int len) {
    for (int start = 0; start < n - len; start += len) {
        for (int k = 0; k <= len; k++)
            v[start + k] = v[start + k] * 0.5 + 1.0;
    }
}

/* serial: every block adds into one element (atomically it could: by cost, one update per block is too little) */
static void block_total(double *v, double *total, int n, int len) {
    for (int start = 0; start < n; start += len) {
        total[0] += v[start];
        v[start] = 0.0;
    }
}

/* serial: the step changes inside the loop */
static void step_changes(double *v, int n, int len) {
    for (int start = 0; start < n; start += len) {
        v[start] = v[start] + 1.0;
        len = len + 1;
    }
}

/* serial: an unsigned counter that may wrap past its bound */
static void unsigned_blocks(double *v, unsigned n, unsigned len) {
    for (unsigned start = 0; start < n; start += len)
        v[start] = v[start] * 3.0;
}

/* a step that is zero or negative, or a trip count OpenMP cannot hold in an int, on calls where the
   serial loop is fine (it runs zero times, or stops short of its bound): the guard picks the copy */
static void any_step(double *v, int lo, int n, int len) {
    for (int start = lo; start < n; start += len)
        v[start] = v[start] * 2.0 + 1.0;
}
static long big_strides(int lo, int n, int len) {
    long sum = 0;
    for (int start = lo; start < n; start += len)
        sum += start % 7;
    return sum;
}

int main(void) {
    int n = N;
    double *re = malloc(sizeof(double) * N), *im = malloc(sizeof(double) * N);
    double *wr = malloc(sizeof(double) * N), *wi = malloc(sizeof(double) * N);
    double *v = malloc(sizeof(double) * N), total[1] = {0.0};
    if (!re || !im || !wr || !wi || !v)
        return 1;
    for (int i = 0; i < n; i++) {
        re[i] = (double)(i % 17) - 8.0;
        im[i] = (double)(i % 5);
        wr[i] = cos(0.001 * i);
        wi[i] = sin(0.001 * i);
        v[i] = (double)(i % 23) + 1.0;
    }
    fft_blocks(re, im, wr, wi, n); cks("fft_blocks_re", re, n); cks("fft_blocks_im", im, n);
    block_scale(v, n, 16); cks("block_scale", v, n);
    block_overlap(v, n, 16); cks("block_overlap", v, n);
    block_total(v, total, n, 8); cks("block_total", v, n); printf("total %.12g\n", total[0]);
    step_changes(v, n, 3); cks("step_changes", v, n);
    unsigned_blocks(v, (unsigned)n, 7u); cks("unsigned_blocks", v, n);
    any_step(v, 500, 400, -3); any_step(v, 500, 500, 0); any_step(v, 0, n, 5); cks("any_step", v, n);
    printf("big_strides %ld %ld %ld\n", big_strides(0, 2000000000, 1000000000),
           big_strides(-2000000000, 2000000000, 100000), big_strides(0, 100000, 3));
    free(re); free(im); free(wr); free(wi); free(v);
    return 0;
}
