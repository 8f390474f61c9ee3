/* 2D max pooling over each channel of a CH x H x W float tensor, window POOL x POOL, stride POOL.
 * Repeated REPS times (a pooling layer is cheap on its own). Hand-parallelised with OpenMP over
 * channels and output rows (collapsed). */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef CH
#define CH 32
#endif
#ifndef H
#define H 512
#endif
#ifndef W
#define W 512
#endif
#ifndef POOL
#define POOL 2
#endif
#ifndef REPS
#define REPS 60
#endif

/* One output row. Inside an OpenMP region the compiler no longer sees the caller's constant window
 * size, so max_pool calls this with a literal 2 for the common 2x2 case: then the window loops are
 * unrolled and the row is vectorised, as in the inlined serial code. */
static inline void pool_row(const float *restrict in, float *restrict out, int c, int y, int h, int w,
                            int oh, int ow, int pool) {
    for (int x = 0; x < ow; x++) {
        float best = in[(c * h + y * pool) * w + x * pool];
        for (int dy = 0; dy < pool; dy++)
            for (int dx = 0; dx < pool; dx++) {
                float value = in[(c * h + y * pool + dy) * w + x * pool + dx];
                if (value > best)
                    best = value;
            }
        out[(c * oh + y) * ow + x] = best;
    }
}

void max_pool(const float *restrict in, float *restrict out, int channels, int h, int w, int pool) {
    int oh = h / pool, ow = w / pool;
#pragma omp parallel for collapse(2) schedule(static)
    for (int c = 0; c < channels; c++) {
        for (int y = 0; y < oh; y++) {
            if (pool == 2)
                pool_row(in, out, c, y, h, w, oh, ow, 2);
            else
                pool_row(in, out, c, y, h, w, oh, ow, pool);
        }
    }
}

int main(void) {
    seed_random(8675309);
    long in_size = (long)CH * H * W, out_size = (long)CH * (H / POOL) * (W / POOL);
    float *in = malloc(sizeof(float) * in_size);
    float *out = malloc(sizeof(float) * out_size);
    if (!in || !out) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < in_size; i++)
        in[i] = random_signed_float();

    double start = now_seconds();
    for (int r = 0; r < REPS; r++) {
        max_pool(in, out, CH, H, W, POOL);
        in[(r * 7919L) % in_size] += 0.5f;  /* a new input each time, so no compiler can skip a repetition */
    }
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (long i = 0; i < out_size; i++)
        checksum += (double)out[i] * (double)(i % 31 + 1);
    printf("kernel maxpool\n");
    printf("size CH=%d H=%d W=%d POOL=%d REPS=%d\n", CH, H, W, POOL, REPS);
    print_result(elapsed, checksum);
    free(in);
    free(out);
    return 0;
}
