"""Call-site values: a file-local function's integer parameter that every call passes the same value
sizes that function's loops for the cost model (autopar/frontend/call_site_values.py), and nothing else:
a kernel called with a tiny size gets no parallel region (a versioned copy that never runs in parallel
still moves the code around it), one called with a large size runs in parallel, its run-time
threshold kept for other builds."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_file
from autopar.frontend.translate import translate

SOURCE = """
#define NI 20
static void kernel(int n, int m, double *a) {
    for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) a[i * m + j] += 1.0; }
static void assigned(int n, double *a) { n++; for (int i = 0; i < n; i++) a[i] = 0.0; }
static void pointer_kept(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0.0; }
void (*kept)(int, double *) = pointer_kept;
static void pointer_taken(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0.0; }
static void two_values(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0.0; }
void exported(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0.0; }
static void from_changed_local(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0.0; }
int main(void) {
    double a[400];
    int ni = NI, mj = 20, changed = 20;
    changed += 1;
    kernel(ni, mj, a);
    kernel(NI, 4 * 5, a);
    assigned(3, a);
    pointer_kept(5, a);
    void (*f)(int, double *) = pointer_taken;
    f(5, a);
    pointer_taken(5, a);
    two_values(5, a);
    two_values(6, a);
    exported(7, a);
    from_changed_local(changed, a);
    return 0;
}
"""


def test_values_are_taken_only_where_every_call_of_this_file_passes_them(tmp_path):
    source = tmp_path / "values.c"
    source.write_text(SOURCE)
    assert translate(str(source), []).call_site_values == {"kernel": {"n": 20, "m": 20}}
    # a whole program's external functions are called from this file alone
    assert translate(str(source), [], whole_program=True).call_site_values == \
        {"kernel": {"n": 20, "m": 20}, "exported": {"n": 7}}


def _kernel_pragma(tmp_path, size: int) -> str | None:
    source = tmp_path / f"scale_{size}.c"
    source.write_text("#include <stdlib.h>\n"
                      "static void scale(int n, double *restrict x, const double *restrict y) {\n"
                      "    for (int i = 0; i < n; i++)\n        x[i] = 2.0 * y[i] + 1.0;\n}\n"
                      f"int main(void) {{\n    int n = {size};\n"
                      "    double *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);\n"
                      "    scale(n, x, y);\n    free(x); free(y);\n    return 0;\n}\n")
    report = analyze_file(str(source)).report
    return next((loop.pragma for loop in report.loops if loop.line == 3 and loop.parallel), None)


def test_the_size_every_call_passes_decides_whether_a_region_pays(tmp_path):
    tiny = _kernel_pragma(tmp_path, 16)
    assert tiny is None or tiny == "#pragma omp simd"
    large = _kernel_pragma(tmp_path, 4_000_000)
    assert large is not None and large.startswith("#pragma omp parallel for if((n > ")


def test_a_call_a_template_parameter_decides_hides_the_values_of_the_others(tmp_path):
    # `kernel(m, a)` inside a template is resolved only where `drive` is instantiated (with 100):
    # the visible call's 4 is not every call's
    source = tmp_path / "templated.cpp"
    source.write_text("static void kernel(int n, double *a) { for (int i = 0; i < n; i++) a[i] += 1; }\n"
                      "template <class T> void drive(T m, double *a) { kernel(m, a); }\n"
                      "int main() { double a[100]; kernel(4, a); drive(100, a); return (int)a[0]; }\n")
    assert translate(str(source), []).call_site_values == {}
    # the same calls in a template that does not decide them: every call is seen
    plain = tmp_path / "plain.cpp"
    plain.write_text("static void kernel(int n, double *a) { for (int i = 0; i < n; i++) a[i] += 1; }\n"
                     "template <class T> void drive(T m, double *a) { kernel(4, a); }\n"
                     "int main() { double a[100]; kernel(4, a); drive(100, a); return (int)a[0]; }\n")
    assert translate(str(plain), []).call_site_values == {"kernel": {"n": 4}}
