/* Switched-off statements: `if (flag) call();` inside a loop (or a test of flags, `if (verbose > 1)`),
   the call timing the loop or printing progress, code the analysis cannot see or that does I/O. Read with those statements' bodies empty,
   the loop runs in parallel under the test `!flag` beside its serial copy, which runs whenever the
   flag is set. NAS EP's main loop is the model (in main: its scratch array `x`, filled before the
   loop, is dead after it). An `else` branch is read as written. Near misses stay serial: a flag
   the loop writes, a volatile flag, and a statement outside the loop that would carry the pragma. */
#include <stdio.h>
#include <time.h>

#define N 3000
#define NK 512
#define NQ 10

int timers_enabled;
int verbose;
volatile int watch;
static double started[8], elapsed[8];
static double a[N], b[N], c[N];
static double x[2 * NK];
static double q[NQ];

void timer_start(int n) { started[n] = (double)clock(); }
void timer_stop(int n) { elapsed[n] += (double)clock() - started[n]; }

/* parallel under !timers_enabled: the timer's calls switched off */
void timed_scale(int n) {
    for (int i = 0; i < n; i++) {
        if (timers_enabled) timer_start(1);
        a[i] = 2.0 * b[i] + c[i];
        if (timers_enabled) timer_stop(1);
    }
}

/* parallel under !show: a parameter flag, a block that prints */
void verbose_rows(double *restrict out, const double *restrict in, int n, int m, int show) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++)
            s += in[i * m + j];
        out[i] = s;
        if (show) {
            printf("row %d: %g\n", i, s);
            fflush(stdout);
        }
    }
}

/* parallel under !(verbose > 1 && out != 0): a test of flags, a pointer among them */
void leveled_rows(double *restrict out, const double *restrict in, int n, int m) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++)
            s += in[i * m + j] * in[i * m + j];
        out[i] = s;
        if (verbose > 1 && out != 0)
            fprintf(stderr, "row %d: %g\n", i, s);
    }
}

/* serial: the loop writes its flag (the statement may run in a later iteration) */
void flag_written(int n) {
    for (int i = 0; i < n; i++) {
        if (verbose) printf("i=%d\n", i);
        a[i] = b[i] * 0.5;
        verbose = a[i] > 1.0e9;
    }
}

/* parallel under !verbose: the `else` branch, read as written, is what runs while verbose is 0 */
void flag_else(int n) {
    for (int i = 0; i < n; i++) {
        if (verbose) printf("i=%d\n", i);
        else c[i] = b[i] + 1.0;
    }
}

/* serial: a volatile flag may change while the loop runs */
void flag_volatile(int n) {
    for (int i = 0; i < n; i++) {
        if (watch) printf("i=%d\n", i);
        a[i] = b[i] + c[i];
    }
}

/* i stays serial: the statement after it, in the time loop, is not covered by a test at i's start
   (it would read what the loop left) */
void outside_statement(int steps, int n) {
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n; i++) {
            if (verbose) printf("t=%d i=%d\n", t, i);
            a[i] = 0.5 * (b[i] + b[i - 1]);
        }
        if (verbose) printf("a[1]=%g\n", a[1]);
        for (int i = 1; i < n; i++)
            b[i] = a[i];
    }
}

/* NAS EP's shape: x filled in each iteration by a function of the file that only indexes it, pairs
   counted in q (an array reduction), the work timed under timers_enabled */
static void fill(int n, double seed, double y[]) {
    for (int i = 0; i < n; i++) {
        seed = seed * 1.000001 + 0.37;
        y[i] = seed - (double)(long)seed;
    }
}

int main(void) {
    double sx = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++) {
        b[i] = (double)(i % 13) * 0.25;
        c[i] = (double)(i % 7) - 3.0;
    }
    fill(0, 0.0, x);
    // autopar: off
    for (int i = 0; i < 2 * NK; i++)
        x[i] = -1.0;
    for (int k = 0; k < 64; k++) {
        if (timers_enabled) timer_start(2);
        fill(2 * NK, (double)k, x);
        if (timers_enabled) timer_stop(2);
        for (int i = 0; i < NK; i++) {
            double t = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1];
            if (t < 1.0) {
                int l = (int)(t * NQ);
                q[l] = q[l] + 1.0;
                sx = sx + t;
            }
        }
    }
    printf("ep %.6f", sx);
    // autopar: off
    for (int l = 0; l < NQ; l++)
        printf(" %.0f", q[l]);
    printf("\n");
    static double in[64 * 40], out[64];
    // autopar: off
    for (int i = 0; i < 64 * 40; i++)
        in[i] = (double)(i % 17) * 0.5;
    timed_scale(N); printf("timed_scale %g\n", a[N - 1] + a[7]);
    verbose_rows(out, in, 64, 40, 0); printf("verbose_rows %g\n", out[3] + out[63]);
    leveled_rows(out, in, 64, 40); printf("leveled_rows %g\n", out[5] + out[60]);
    flag_written(N); printf("flag_written %g\n", a[N - 2]);
    flag_else(N); printf("flag_else %g\n", c[N - 3]);
    flag_volatile(N); printf("flag_volatile %g\n", a[N - 4]);
    outside_statement(4, N); printf("outside_statement %g\n", b[N - 5]);
    return 0;
}
