/* Loops bounded by global scalars in a nest that calls functions of the file (NAS LU's ssor: a time
   loop around sweeps whose bounds are the globals ist, iend, jst, jend, beside calls of blts, rhs,
   ... that write global arrays). A call that writes, by name, only globals holding numbers (not
   pointers) cannot change another global, so the bounds stay parameters of the nest. Before, any
   call of the nest that wrote a global made every global bound unknown ("the body writes a variable
   of the loop bound"), and the sweeps stayed serial. Near misses stay serial: a call inside the loop
   that writes the bound by name, and one that writes through a global pointer (which may point to
   the bound). */
#include <stdio.h>

#define N 24

static double v[N][N][N][5], rsd[N][N][N][5];
static int ist = 1, iend = N - 1, jst = 1, jend = N - 1;
static int *bound_ref = &jend;
static double checks;

/* writes the global arrays v and checks (numbers) only */
static void relax(int k) {
    int i, j, m;
    for (j = jst; j < jend; j++)
        for (i = ist; i < iend; i++)
            for (m = 0; m < 5; m++)
                v[k][j][i][m] = 0.5 * (v[k - 1][j][i][m] + v[k][j][i][m]);
    checks = checks + 1.0;
}

static void shrink(void) {
    jend = jend > jst + 2 ? jend - 1 : jend;
}

static void shrink_through(void) {
    *bound_ref = *bound_ref > jst + 2 ? *bound_ref - 1 : *bound_ref;
}

/* NAS LU's ssor: the sweeps beside the calls run in parallel */
void ssor(int niter) {
    int it, i, j, k, m;
    for (it = 0; it < niter; it++) {
        for (k = 1; k < N - 1; k++)
            for (j = jst; j < jend; j++)
                for (i = ist; i < iend; i++)
                    for (m = 0; m < 5; m++)
                        v[k][j][i][m] = 0.1 * rsd[k][j][i][m];
        for (k = 1; k < N - 1; k++)
            relax(k);
        for (k = 1; k < N - 1; k++)
            for (j = jst; j < jend; j++)
                for (i = ist; i < iend; i++)
                    for (m = 0; m < 5; m++)
                        rsd[k][j][i][m] = rsd[k][j][i][m] + v[k][j][i][m];
    }
}

/* serial: the call writes jend, the bound of the loop over j */
void shrinking(void) {
    int i, j, k;
    for (k = 1; k < N - 1; k++) {
        for (j = jst; j < jend; j++)
            for (i = ist; i < iend; i++)
                rsd[k][j][i][0] = rsd[k][j][i][0] + 1.0;
        shrink();
    }
}

/* serial: the call writes through a global pointer, which points to jend */
void shrinking_through(void) {
    int i, j, k;
    for (k = 1; k < N - 1; k++) {
        for (j = jst; j < jend; j++)
            for (i = ist; i < iend; i++)
                rsd[k][j][i][1] = rsd[k][j][i][1] + 1.0;
        shrink_through();
    }
}

static double checksum(void) {
    double s = 0.0;
    // autopar: off
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int m = 0; m < 5; m++)
                    s += (v[k][j][i][m] + rsd[k][j][i][m]) * (double)((i + 2 * j + 3 * k + m) % 7 + 1);
    return s;
}

int main(void) {
    // autopar: off
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int m = 0; m < 5; m++)
                    rsd[k][j][i][m] = (double)((k * 3 + j * 5 + i * 7 + m) % 11) * 0.125;
    ssor(3); printf("ssor %.10g %g\n", checksum(), checks);
    shrinking(); printf("shrinking %.10g %d\n", checksum(), jend);
    jend = N - 1;
    shrinking_through(); printf("shrinking_through %.10g %d\n", checksum(), jend);
    return 0;
}
