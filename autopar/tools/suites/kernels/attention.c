/* Scaled dot-product attention for one head: O = softmax(Q K^T / sqrt(d)) V, with Q, K, V and O
 * seq x d row-major matrices. Written as three helper steps: scores, row softmax, weighted sum. */
#include "harness.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef SEQ
#define SEQ 2048
#endif
#ifndef DIM
#define DIM 128
#endif

/* scores[i][j] = (q_i . k_j) * scale */
void attention_scores(const float *q, const float *k, float *scores, int seq, int d, float scale) {
    for (int i = 0; i < seq; i++) {
        for (int j = 0; j < seq; j++) {
            float dot = 0.0f;
            for (int t = 0; t < d; t++)
                dot += q[i * d + t] * k[j * d + t];
            scores[i * seq + j] = dot * scale;
        }
    }
}

/* Numerically stable softmax of each row, in place. */
void softmax_rows(float *scores, int seq) {
    for (int i = 0; i < seq; i++) {
        float *row = scores + (long)i * seq;
        float max = row[0];
        for (int j = 1; j < seq; j++)
            if (row[j] > max)
                max = row[j];
        float total = 0.0f;
        for (int j = 0; j < seq; j++) {
            row[j] = expf(row[j] - max);
            total += row[j];
        }
        for (int j = 0; j < seq; j++)
            row[j] /= total;
    }
}

/* out = probs * v */
void weighted_sum(const float *probs, const float *v, float *out, int seq, int d) {
    for (int i = 0; i < seq; i++) {
        for (int t = 0; t < d; t++)
            out[i * d + t] = 0.0f;
        for (int j = 0; j < seq; j++) {
            float p = probs[i * seq + j];
            for (int t = 0; t < d; t++)
                out[i * d + t] += p * v[j * d + t];
        }
    }
}

int main(void) {
    seed_random(577);
    int seq = SEQ, d = DIM;
    float *q = malloc(sizeof(float) * seq * d), *k = malloc(sizeof(float) * seq * d);
    float *v = malloc(sizeof(float) * seq * d), *out = malloc(sizeof(float) * seq * d);
    float *scores = malloc(sizeof(float) * (long)seq * seq);
    if (!q || !k || !v || !out || !scores) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < seq * d; i++) {
        q[i] = random_signed_float();
        k[i] = random_signed_float();
        v[i] = random_signed_float();
    }

    double start = now_seconds();
    attention_scores(q, k, scores, seq, d, 1.0f / sqrtf((float)d));
    softmax_rows(scores, seq);
    weighted_sum(scores, v, out, seq, d);
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int i = 0; i < seq * d; i++)
        checksum += (double)out[i] * (double)(i % 29 + 1);
    printf("kernel attention\n");
    printf("size SEQ=%d DIM=%d\n", seq, d);
    print_result(elapsed, checksum);
    free(q);
    free(k);
    free(v);
    free(out);
    free(scores);
    return 0;
}
