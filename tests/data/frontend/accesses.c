/* Array and pointer accesses for the accesses pass. */
#include <stdlib.h>
struct vec { int n; double data[64]; double *ptr; };
struct node { double val; struct node *next; double x[8]; };

double grid[64][64];
static int counter;

void kinds(double *restrict out, const double *in, double *p, struct vec s, struct node *q,
           const int *idx, int n, int m) {
    double local[32];
    int k = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            grid[i][j] = in[i * m + j];           /* a[i][j], A[i*n+j] */
        out[i] = in[idx[i]];                       /* indirect subscript */
        out[i] += in[i * i];                       /* non-linear */
        local[i % 32] = 1.0;                       /* non-affine modulo */
        *p = 1.0;                                  /* p[0] */
        *(p + i) = 2.0;                            /* p[i] */
        *(out + i + 1) = *(in + 2 * i - 1);        /* out[i+1], in[2i-1] */
        s.data[i] = s.ptr[i];                      /* member paths */
        q->x[i] = q->val;                          /* p->x[i], p->val */
        k = k + 1;
        out[k] = 0;                                /* k is written in the loop */
        out[i]++;                                  /* read then write */
        out[counter] = 0;                          /* global symbol */
        out[n - 1 - i] = out[(i)];                 /* parenthesised, reversed */
        out[abs(i)] = 0;                           /* function call */
        if (i > 2)
            out[i] = i > 3 ? in[i] : in[i + 1];    /* conditional */
    }
    double *r = out;
    for (int i = 0; i < n; i++) {
        *r = 0;                                    /* the loop moves r */
        r++;
    }
    for (int i = 0; i < n; i++) {
        double *row = &grid[i][0];
        row[i] = q->next->val;
    }
}
