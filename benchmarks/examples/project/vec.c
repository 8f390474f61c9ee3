/* Element-wise loops and reductions: the easy parallel cases. */
#include "vec.h"

void saxpy(int n, float a, const float *restrict x, float *restrict y) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

double dot(int n, const double *x, const double *y) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

/* A loop written by a macro is never edited, whatever the analysis finds. */
#define FOR_EACH(i, n) for (int i = 0; i < (n); i++)

void scale_all(int n, double *v, double k) {
    FOR_EACH(i, n)
        v[i] *= k;
}
