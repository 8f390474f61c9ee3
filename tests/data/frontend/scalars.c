#include <math.h>

double g_total;

double reductions(const double *x, int n, double *out) {
    double sum = 0.0, prod = 1.0, diff = 0.0, big = -1e300, small = 1e300, m2 = 0.0, m3 = 0.0;
    int bits_and = ~0, bits_or = 0, bits_xor = 0, all = 1, any = 0, count = 0;
    for (int i = 0; i < n; i++) {
        sum += x[i];
        prod *= x[i];
        diff -= x[i];
        if (x[i] > big) big = x[i];
        small = x[i] < small ? x[i] : small;
        m2 = fmax(m2, x[i]);
        m3 = fmin(x[i], m3);
        bits_and &= (int)x[i];
        bits_or = bits_or | (int)x[i];
        bits_xor ^= i;
        all = all && x[i] > 0;
        any = any || x[i] < 0;
        count++;
    }
    out[0] = sum + prod + diff + big + small + m2 + m3;
    return bits_and + bits_or + bits_xor + all + any + count;
}

void privates(double *a, const double *b, int n) {
    double t, last = 0.0, carried = 0.0, partial;
    int k;
    for (int i = 0; i < n; i++) {
        t = b[i] * 2.0;
        if (b[i] > 0) {
            partial = 1.0;
        } else {
            partial = -1.0;
        }
        a[i] = t * partial + carried;
        carried = a[i];
        last = a[i];
        int local = i * 2;
        a[i] += local;
        for (k = 0; k < 4; k++)
            a[i] += k;
    }
    a[0] = last;
}

void not_reductions(double *a, int n) {
    double s = 0.0;
    double q = 0.0;
    for (int i = 0; i < n; i++) {
        s += a[i];
        a[i] = s;          /* s is read outside an update */
        q += q * a[i];     /* the update reads q */
    }
    double *p = &g_total;
    int w = 0;
    for (int i = 0; i < n; i++) {
        if (a[i] > 0)
            w = 1;
        a[i] = w;
    }
    *p = s + q;
}
