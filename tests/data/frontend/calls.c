/* Calls of each side-effect class, and same-file functions with summaries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int hits;
static double weights[16];

static double square(double x) { return x * x; }
static double weighted(int k) { return weights[k % 16]; }
static void record(double v) { hits++; weights[0] = v; }
static void fill(double *dst, int n) { for (int i = 0; i < n; i++) dst[i] = 0.0; }
static void fill_twice(double *dst, double *src, int n) { fill(dst, n); (void)src[0]; }
static void chatty(void) { puts("hello"); }
static void calls_chatty(void) { chatty(); }
extern double external(double);

void kernel(double *a, double *b, int n, double (*fp)(double)) {
    for (int i = 0; i < n; i++) {
        a[i] = sqrt(fabs(b[i])) + fmax(a[i], 1.0);
        a[i] += square(b[i]) + weighted(i);
        printf("%f\n", a[i]);
        double *tmp = malloc(8);
        free(tmp);
        a[i] += rand();
        a[i] += external(b[i]);
        a[i] += fp(b[i]);
        record(a[i]);
        fill_twice(a, b, n);
        calls_chatty();
    }
}
