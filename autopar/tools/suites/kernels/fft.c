/* Iterative radix-2 Cooley-Tukey FFT of length n (a power of two) on split real/imaginary arrays:
 * a bit-reversal permutation, then log2(n) butterfly stages. The transform runs REPS times on
 * fresh copies of the input. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LOGN
#define LOGN 20
#endif
#ifndef REPS
#define REPS 3
#endif

static unsigned reverse_bits(unsigned x, int bits) {
    unsigned r = 0;
    for (int b = 0; b < bits; b++) {
        r = (r << 1) | (x & 1u);
        x >>= 1;
    }
    return r;
}

/* Twiddle factors w^k = exp(-2*pi*i*k/n) for k < n/2. */
void make_twiddles(double *wr, double *wi, int n) {
    for (int k = 0; k < n / 2; k++) {
        wr[k] = cos(-2.0 * 3.14159265358979323846 * k / n);
        wi[k] = sin(-2.0 * 3.14159265358979323846 * k / n);
    }
}

void bit_reverse_permute(const double *in_re, const double *in_im, double *re, double *im, int n,
                         int logn) {
    for (int i = 0; i < n; i++) {
        unsigned j = reverse_bits((unsigned)i, logn);
        re[j] = in_re[i];
        im[j] = in_im[i];
    }
}

void fft_stages(double *re, double *im, const double *wr, const double *wi, int n) {
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

int main(void) {
    seed_random(99);
    int logn = LOGN, n = 1 << LOGN;
    double *in_re = malloc(sizeof(double) * n), *in_im = malloc(sizeof(double) * n);
    double *re = malloc(sizeof(double) * n), *im = malloc(sizeof(double) * n);
    double *wr = malloc(sizeof(double) * (n / 2 + 1)), *wi = malloc(sizeof(double) * (n / 2 + 1));
    if (!in_re || !in_im || !re || !im || !wr || !wi) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        in_re[i] = random_double() - 0.5;
        in_im[i] = random_double() - 0.5;
    }
    make_twiddles(wr, wi, n);

    double start = now_seconds();
    for (int r = 0; r < REPS; r++) {
        bit_reverse_permute(in_re, in_im, re, im, n, logn);
        fft_stages(re, im, wr, wi, n);
    }
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int i = 0; i < n; i++)
        checksum += re[i] * (double)(i % 7 + 1) + im[i] * (double)(i % 5 + 1);
    printf("kernel fft\n");
    printf("size LOGN=%d REPS=%d\n", logn, REPS);
    print_result(elapsed, checksum);
    free(in_re);
    free(in_im);
    free(re);
    free(im);
    free(wr);
    free(wi);
    return 0;
}
