// C++ loops for the front end: methods, templates, range-for, references, new/delete.
#include <vector>
#include <cmath>

struct Grid {
    int n;
    double *cells;
    void scale(double f) {
        for (int i = 0; i < n; ++i)
            cells[i] *= f;
    }
};

template <typename T>
T total(const T *x, int n) {
    T s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s;
}

static void bump(int &counter) { counter++; }

double work(std::vector<double> &v, double *out, int n) {
    double acc = 0.0;
    for (double x : v)
        acc += x;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        out[i] = std::sqrt(out[i]);
        bump(hits);
    }
    double *tmp = new double[n];
    for (int i = 0; i < n; i++)
        tmp[i] = out[i];
    delete[] tmp;
    return acc + hits + total(out, n);
}
