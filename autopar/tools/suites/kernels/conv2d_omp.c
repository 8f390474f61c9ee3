/* Multi-channel 2D convolution (a convolution layer without padding, stride 1):
 * out[k][y][x] = bias[k] + sum over c, r, s of in[c][y + r][x + s] * w[k][c][r][s].
 * Hand-parallelised with OpenMP over output channels and rows (collapsed). */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef CIN
#define CIN 32
#endif
#ifndef COUT
#define COUT 64
#endif
#ifndef H
#define H 160
#endif
#ifndef W
#define W 160
#endif
#ifndef KS
#define KS 3
#endif

static void fill(float *x, long count) {
    for (long i = 0; i < count; i++)
        x[i] = random_float() - 0.5f;
}

void conv2d(const float *restrict in, const float *restrict weights, const float *restrict bias,
            float *restrict out, int cin, int cout, int h, int w, int ks) {
    int oh = h - ks + 1, ow = w - ks + 1;
#pragma omp parallel for collapse(2) schedule(static)
    for (int k = 0; k < cout; k++) {
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                float acc = bias[k];
                for (int c = 0; c < cin; c++)
                    for (int r = 0; r < ks; r++)
                        for (int s = 0; s < ks; s++)
                            acc += in[(c * h + y + r) * w + x + s] *
                                   weights[((k * cin + c) * ks + r) * ks + s];
                out[(k * oh + y) * ow + x] = acc;
            }
        }
    }
}

int main(void) {
    seed_random(1618);
    int oh = H - KS + 1, ow = W - KS + 1;
    long in_size = (long)CIN * H * W, w_size = (long)COUT * CIN * KS * KS, out_size = (long)COUT * oh * ow;
    float *in = malloc(sizeof(float) * in_size);
    float *weights = malloc(sizeof(float) * w_size);
    float *bias = malloc(sizeof(float) * COUT);
    float *out = malloc(sizeof(float) * out_size);
    if (!in || !weights || !bias || !out) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    fill(in, in_size);
    fill(weights, w_size);
    fill(bias, COUT);

    double start = now_seconds();
    conv2d(in, weights, bias, out, CIN, COUT, H, W, KS);
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (long i = 0; i < out_size; i++)
        checksum += (double)out[i] * (double)(i % 13 + 1);
    printf("kernel conv2d\n");
    printf("size CIN=%d COUT=%d H=%d W=%d KS=%d\n", CIN, COUT, H, W, KS);
    print_result(elapsed, checksum);
    free(in);
    free(weights);
    free(bias);
    free(out);
    return 0;
}
