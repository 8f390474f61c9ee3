/* Loops that must stay serial, and a max reduction. */
#include "vec.h"

void histogram(int n, const int *keys, int *counts) {
    for (int i = 0; i < n; i++)
        counts[keys[i]]++; /* indirect: two keys may be equal */
}

void prefix_sum(int n, double *restrict out, const double *restrict in) {
    out[0] = in[0];
    for (int i = 1; i < n; i++)
        out[i] = out[i - 1] + in[i];
}

double largest(int n, const double *v) {
    double m = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}
