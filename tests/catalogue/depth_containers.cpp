// C++ containers (issue 14, class 5): std::vector / std::array / std::span elements through
// operator[], at() and data(), size() as a bound when the loop does not resize; near misses stay serial.
#include <array>
#include <cstddef>
#include <cstdio>
#include <vector>
#include <stdexcept>

static void cks(const char *name, const std::vector<double> &a) {
    double s = 0.0;
    // autopar: off
    for (std::size_t i = 0; i < a.size(); i++)
        s += a[i] * (double)(i % 13 + 1);
    std::printf("%s %.12g\n", name, s);
}

std::array<double, 4096> GA;

/* the size as the bound; two vectors that may be the same one: a runtime check */
void vec_axpy(std::vector<double> &y, const std::vector<double> &x, double a) {
    for (std::size_t i = 0; i < y.size(); i++)
        y[i] = a * x[i] + y[i];
}

/* at() and data() are element accesses too */
void vec_at_data(std::vector<double> &y, int n) {
    for (int i = 0; i < (int)y.size(); i++)
        y.at(i) = y.data()[i] * 0.5 + (double)n;
}

/* a std::array of fixed size */
void array_scale(void) {
    for (int i = 0; i < 4096; i++)
        GA[i] = GA[i] * 1.5 + (double)(i % 3);
}

/* a 2-D grid in one vector, a row offset from the size */
void vec_rows(std::vector<double> &g, int rows, int cols) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            g[r * cols + c] = g[r * cols + c] + (double)(r - c);
}

/* serial: each element needs the one before */
void vec_prefix(std::vector<double> &y) {
    for (std::size_t i = 1; i < y.size(); i++)
        y[i] = y[i] + y[i - 1] * 0.5;
}

/* serial: push_back may reallocate the buffer */
void vec_grow(std::vector<double> &y, int n) {
    for (int i = 0; i < n; i++)
        y.push_back((double)i);
}

/* serial: resize inside the loop changes the bound */
void vec_resize(std::vector<double> &y, int n) {
    for (int i = 0; i < n; i++) {
        y.resize(y.size() + 1);
        y[i] = 1.0;
    }
}

/* serial: a vector of vectors: the inner vector is not modelled */
void vec_nested(std::vector<std::vector<double>> &m, int n) {
    for (int i = 0; i < n; i++)
        m[i][0] = (double)i;
}

/* a cast size as the bound, the way code that compiles without sign-compare warnings spells it */
void vec_cast_bound(std::vector<double> &y) {
    for (int i = 0; i < (int)y.size(); i++)
        y[i] = y[i] * 0.25 + 2.0;
}

/* the same with static_cast */
void vec_static_cast_bound(std::vector<double> &y) {
    for (int i = 0; i < static_cast<int>(y.size()) - 1; i++)
        y[i] = y[i] * 0.5 + (double)i;
}

/* serial: a cast bound does not excuse a carried dependence */
void vec_cast_prefix(std::vector<double> &y) {
    for (int i = 1; i < (int)y.size(); i++)
        y[i] = y[i] + y[i - 1] * 0.25;
}

/* range-based for: the loop runs over the container's indices, each element bound by reference */
void range_scale(std::vector<double> &y) {
    for (auto &v : y)
        v = v * 0.75 + 1.0;
}

/* by value: a sum, a reduction */
double range_sum(const std::vector<double> &y) {
    double s = 0.0;
    for (double v : y)
        s += v;
    return s;
}

/* a std::array (its size a constant member), and a vector it is checked against at run time */
void range_array(std::vector<double> &y) {
    for (double &v : GA)
        v = v * 2.0 + y[7];
}

/* serial: a running value carried from each element to the next */
void range_running(std::vector<double> &y) {
    double run = 0.0;
    for (auto &v : y) {
        run = run * 0.5 + v;
        v = run;
    }
}

/* serial: every element reads the first, which the first iteration writes */
void range_first(std::vector<double> &y) {
    for (auto &v : y)
        v = v + y[0];
}

/* serial: the loop may resize the container it runs over */
void range_resize(std::vector<double> &y) {
    for (double v : y)
        if (v < -1e9)
            y.resize(1);
}

/* serial: int elements compared, their unsigned char copies kept: not a maximum */
unsigned char range_narrow_max(const std::vector<int> &k) {
    unsigned char m = 0;
    for (const auto &x : k)
        m = x > m ? (unsigned char)x : m;
    return m;
}

/* serial (the outer loop): the inner range reads every element through a const reference, and
   the outer loop writes them */
void range_normalize(std::vector<double> &y, int n) {
    for (int i = 0; i < n; i++) {
        double s = 1.0;
        for (const double &v : y)
            s += v * 1e-9;
        y[i] = y[i] / s;
    }
}

/* serial (the outer loop): the same through a local reference */
void ref_normalize(std::vector<double> &y, int n) {
    for (int i = 0; i < n; i++) {
        double s = 1.0;
        for (int j = 0; j < n; j++) {
            const double &v = y[j];
            s += v * 1e-9;
        }
        y[i] = y[i] / s;
    }
}

/* serial: a range-based for with an init-statement (gcc 12 refuses OpenMP on it) */
void range_init_statement(std::vector<double> &y) {
    for (int k = 0; auto &v : y)
        v = v + (double)(k++ % 3);
}

namespace grid { std::vector<double> cells(5000, 1.0); }

/* serial: a qualified container (runtime checks and thresholds spell bare names) */
void range_qualified(void) {
    for (auto &v : grid::cells)
        v = v * 0.5;
}

/* a cast bound spelled with a two-word type */
void vec_unsigned_bound(std::vector<double> &y) {
    for (unsigned int i = 0; i < static_cast<unsigned int>(y.size()); i++)
        y[i] = y[i] + 0.125;
}

/* serial: a vector of bools packs its elements into shared words */
void range_bools(std::vector<bool> &b) {
    for (auto v : b)
        v = true;
}

/* containers that are members of the method's own object */
struct Cells {
    std::vector<double> data, w;
    double scale = 1.5;
    double *view = nullptr;
    explicit Cells(int n) : data(n), w(n) {}
    /* a member vector and a member scalar: the buffer never holds the scalar */
    void member_scale() {
        for (std::size_t i = 0; i < data.size(); i++)
            data[i] = data[i] * scale + 1.0;
    }
    /* two member vectors through this-> and at(): each buffer is its own vector's, no check */
    void member_blend() {
        for (std::size_t i = 0; i < this->w.size(); i++)
            w.at(i) = this->data[i] * 0.25 + w[i];
    }
    /* a range-based for over a member, a reduction */
    double member_sum() const {
        double s = 0.0;
        for (double v : data)
            s += v;
        return s;
    }
    /* a pointer member into the buffer: data[i] reads what data[i + 1] held, carried */
    void member_view() {
        view = data.data() + 1;
        for (std::size_t i = 0; i < data.size() - 1; i++)
            data[i] = view[i] * 0.5;
    }
    /* grows the vector through a reference to the object: size() is no parameter */
    void member_self_grow() {
        Cells &self = *this;
        for (std::size_t i = 0; i < data.size(); i++) {
            data[i] = data[i] + 1.0;
            if (i == 5)
                self.data.push_back(2.0);
        }
    }
    /* another object's member, which may be this one */
    void member_other(const Cells &o) {
        for (std::size_t i = 0; i < data.size(); i++)
            data[i] = data[i] + o.data[i];
    }
};

/* a vector of pointers: *v[i] is memory the pointers reach, which two of them may share */
void vec_pointers(std::vector<double *> &v, const double *src, int n) {
    for (int i = 0; i < n; i++)
        *v[i] = src[i] * 0.5;
}

/* a reference member bound to an element of the object's own vector */
struct Pivoted {
    std::vector<double> data;
    double &pivot;
    explicit Pivoted(int n) : data(n, 1.0), pivot(data[n / 2]) {}
    void add_pivot() {
        for (std::size_t i = 0; i < data.size(); i++)
            data[i] = data[i] + pivot;
    }
};

/* serial: at() throws std::out_of_range where n passes the size, which a caller may catch; out of a
   parallel region the program would end */
void vec_at_past(std::vector<double> &y, int n) {
    for (int i = 0; i < n; i++)
        y.at(i) = y.at(i) * 0.5 + 1.0;
}

int main() {
    std::vector<double> y(20000), x(20000), g(300 * 200);
    for (int i = 0; i < 20000; i++) {
        y[i] = (double)(i % 7);
        x[i] = (double)(i % 5);
    }
    for (int i = 0; i < 300 * 200; i++)
        g[i] = (double)(i % 11);
    for (int i = 0; i < 4096; i++)
        GA[i] = (double)(i % 9);
    vec_axpy(y, x, 2.0); cks("vec_axpy", y);
    vec_axpy(y, y, 0.5); cks("vec_axpy_same", y);
    vec_at_data(y, 2); cks("vec_at_data", y);
    try { vec_at_past(y, 30000); } catch (const std::out_of_range &) { y[7] += 1.0; }
    cks("vec_at_past", y);
    array_scale(); { std::vector<double> a(GA.begin(), GA.end()); cks("array_scale", a); }
    vec_rows(g, 300, 200); cks("vec_rows", g);
    vec_prefix(y); cks("vec_prefix", y);
    vec_cast_bound(y); cks("vec_cast_bound", y);
    vec_static_cast_bound(y); cks("vec_static_cast_bound", y);
    vec_cast_prefix(y); cks("vec_cast_prefix", y);
    range_scale(y); cks("range_scale", y);
    std::printf("range_sum %.6g\n", range_sum(y));
    range_array(y); { std::vector<double> a(GA.begin(), GA.end()); cks("range_array", a); }
    range_running(y); cks("range_running", y);
    range_first(y); cks("range_first", y);
    range_resize(y); cks("range_resize", y);
    { std::vector<bool> b(10); range_bools(b); }
    range_normalize(y, 300); cks("range_normalize", y);
    ref_normalize(y, 300); cks("ref_normalize", y);
    range_init_statement(y); cks("range_init_statement", y);
    range_qualified(); cks("range_qualified", grid::cells);
    vec_unsigned_bound(y); cks("vec_unsigned_bound", y);
    {
        std::vector<int> k(30000);
        for (int i = 0; i < 30000; i++)
            k[i] = (i * 37) % 1000;
        std::printf("range_narrow_max %d\n", (int)range_narrow_max(k));
    }
    {
        Cells c(30000);
        for (int i = 0; i < 30000; i++)
            c.data[i] = c.w[i] = (double)(i % 17);
        c.member_scale(); cks("member_scale", c.data);
        c.member_blend(); cks("member_blend", c.w);
        std::printf("member_sum %.6g\n", c.member_sum());
        c.member_view(); cks("member_view", c.data);
        c.member_self_grow(); cks("member_self_grow", c.data);
        c.member_other(c); cks("member_other", c.data);
    }
    {
        std::vector<double> cells(4, 0.0), src(30000, 2.0);
        std::vector<double *> v(30000);
        for (int i = 0; i < 30000; i++)
            v[i] = &cells[i % 4];
        vec_pointers(v, src.data(), 30000); cks("vec_pointers", cells);
        Pivoted p(30000);
        p.add_pivot(); cks("member_pivot", p.data);
    }
    std::vector<double> z; vec_grow(z, 100); cks("vec_grow", z);
    std::vector<double> w; vec_resize(w, 100); cks("vec_resize", w);
    std::vector<std::vector<double>> m(50, std::vector<double>(3, 1.0));
    vec_nested(m, 50); cks("vec_nested", m[7]);
    return 0;
}
