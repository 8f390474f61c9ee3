/* Vector addition: c = a + b, repeated REPS times so the kernel runs long enough to time. */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef N
#define N 4000000
#endif
#ifndef REPS
#define REPS 20
#endif

void vector_add(const double *a, const double *b, double *c, int n) {
    for (int i = 0; i < n; i++)
        c[i] = a[i] + b[i];
}

int main(void) {
    seed_random(42);
    int n = N;
    double *a = malloc(sizeof(double) * n);
    double *b = malloc(sizeof(double) * n);
    double *c = malloc(sizeof(double) * n);
    if (!a || !b || !c) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        a[i] = random_double();
        b[i] = random_double() * 2.0 - 1.0;
    }

    double start = now_seconds();
    for (int r = 0; r < REPS; r++) {
        vector_add(a, b, c, n);
        a[(r * 7919) % n] += 0.5;  /* a new input each time, so no compiler can skip a repetition */
    }
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int i = 0; i < n; i++)
        checksum += c[i] * (double)(i % 13 + 1);
    printf("kernel vector_add\n");
    printf("size N=%d REPS=%d\n", n, REPS);
    print_result(elapsed, checksum);
    free(a);
    free(b);
    free(c);
    return 0;
}
