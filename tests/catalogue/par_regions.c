/* Serial loops around parallel loops: one shared parallel region where the serial loop holds nothing
 * but loops (each becomes a worksharing loop), one region per loop otherwise. */
#include <stdio.h>
#include <stdlib.h>

#define N 4000
double A[N], B[N], G[64][64], H[64][64];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* a time loop around a sweep and its copy-back: one region, two worksharing loops */
void jacobi_steps(int n, int steps) {
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            B[i] = (A[i - 1] + A[i] + A[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            A[i] = B[i];
    }
}

/* a reduction inside the time loop: the shared sum is combined at the end of each sweep */
double sum_steps(int n, int steps) {
    double s = 0.0;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            A[i] = A[i] * 0.5 + 1.0;
        for (int i = 0; i < n; i++)
            s += A[i];
    }
    return s;
}

/* two serial loops around the sweeps: the region goes around the outer one */
void nested_steps(int m, int sweeps, int steps) {
    for (int r = 0; r < sweeps; r++)
        for (int t = 0; t < steps; t++) {
            for (int i = 1; i < m - 1; i++)
                for (int j = 1; j < m - 1; j++)
                    H[i][j] = 0.25 * (G[i - 1][j] + G[i + 1][j] + G[i][j - 1] + G[i][j + 1]);
            for (int i = 1; i < m - 1; i++)
                for (int j = 1; j < m - 1; j++)
                    G[i][j] = H[i][j] + 0.001 * r;
        }
}

/* the time loop's variable is declared outside (and read after): each sweep is its own region */
int outside_counter(int n, int steps) {
    int t;
    for (t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            B[i] = A[i] + t;
        for (int i = 1; i < n - 1; i++)
            A[i] = B[i] * 0.5;
    }
    return t;
}

/* old C: the counters are declared at the top and not read after the time loop: one region,
   private(t) */
void old_c_counters(int n, int steps) {
    int t, i;
    for (t = 0; t < steps; t++) {
        for (i = 1; i < n - 1; i++)
            B[i] = A[i] * 0.25 + t;
        for (i = 1; i < n - 1; i++)
            A[i] = B[i] - 0.5;
    }
}

/* a statement between the sweeps runs once per step in the serial program: regions per loop */
double statement_between(int n, int steps) {
    double scale = 1.0;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            B[i] = A[i] * scale;
        scale = scale * 0.5;
        for (int i = 0; i < n; i++)
            A[i] = B[i] + scale;
    }
    return scale;
}

/* the time loop's bound is written by a sweep (through lastprivate): regions per loop */
int bound_written(int n) {
    int last = 3, k;
    for (int t = 0; t < last; t++) {
        for (k = 0; k < n; k++)
            A[k] = A[k] + 1.0;
        last = 0;
    }
    return last + k;
}

int main(int argc, char **argv) {
    int n = N - 5 + argc;
    (void)argv;
    for (int i = 0; i < N; i++) {
        A[i] = (double)((i * 37) % 101) / 10.0;
        B[i] = 0.0;
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) {
            G[i][j] = (double)((i * 7 + j * 3) % 17);
            H[i][j] = 0.0;
        }
    jacobi_steps(n, 5);
    cks("jacobi", A, N);
    printf("sum %.6f\n", sum_steps(n, 3));
    nested_steps(60 + argc, 2, 3);
    cks("nested", &G[0][0], 64 * 64);
    printf("outside %d\n", outside_counter(n, 4));
    cks("outside", A, N);
    old_c_counters(n, 3);
    cks("old_c", A, N);
    printf("between %.6f\n", statement_between(n, 3));
    cks("between", A, N);
    printf("bound %d\n", bound_written(n));
    cks("bound", A, N);
    return 0;
}
