/* Existing OpenMP pragmas and opt-out comments. */
void existing(double *a, double *b, int n) {
    #pragma omp parallel for schedule(static) \
        firstprivate(n)
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i * n + j] = 0;

#pragma GCC ivdep
#pragma omp simd
    for (int i = 0; i < n; i++)
        b[i] = 1;

    #pragma omp parallel
    {
        for (int i = 0; i < n; i++)
            a[i] = 2;
    }

    /* #pragma omp parallel for   (commented out: not a pragma) */
    for (int i = 0; i < n; i++)
        a[i] = 3;

    #pragma omp barrier
    for (int i = 0; i < n; i++)
        a[i] = 4;
}

void opt_outs(double *a, int n) {
    // autopar: off
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[j] = i;

    for (int i = 0; i < n; i++) { /* autopar: off */
        a[i] = 5;
    }

    // a comment that says nothing
    for (int i = 0; i < n; i++)
        a[i] = 6;
}

// autopar: off
static void whole_function(double *a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = 7;
}

void use(double *a) { whole_function(a, 4); }
