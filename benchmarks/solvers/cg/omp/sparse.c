/* The sparse matrix (CSR, NONZER + 1 entries a row, symmetric pattern not required) and its product. */
#include "cg.h"

int rowstr[NA + 1], colidx[NZ];
double a[NZ];

static unsigned long long seed = 314159265ULL;

static double randlc(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(seed >> 11) / 9007199254740992.0;
}

void makea(int n)
{
    int i, k, e;
    e = 0;
    for (i = 0; i < n; i++) {
        rowstr[i] = e;
        a[e] = 4.0 * NONZER + 1.0;  /* a dominant diagonal keeps CG convergent */
        colidx[e++] = i;
        for (k = 0; k < NONZER; k++) {
            colidx[e] = (int)(randlc() * n);
            a[e++] = randlc() - 0.5;
        }
    }
    rowstr[n] = e;
}

void matvec(int n, const double *v, double *w)
{
    int j, k;
    double sum;
    for (j = 0; j < n; j++) {
        sum = 0.0;
        for (k = rowstr[j]; k < rowstr[j + 1]; k++)
            sum = sum + a[k] * v[colidx[k]];
        w[j] = sum;
    }
}
