/* Loops that copy whole struct elements beside updates of their fields (NAS FT's evolve: `u0[k][j][i]
   .real = ...; u1[k][j][i] = u0[k][j][i];`). The field accesses and the whole copies of one struct
   array are one object whose accesses all meet at any field of one element (a whole copy touches
   every field); a struct of numbers only carries no address, so copying one between restrict
   pointers keeps them apart. Before, each of these loops stayed serial ("u0.real and u0 may point
   to the same memory"). Near misses stay serial: a copy from or into another element (a carried
   dependence), pointers that may overlap, and a struct that holds a pointer. */
#include <stdio.h>
#include <stdlib.h>

#define NX 32
#define NY 24
#define NZ 16
#define N 4000

typedef struct { double real; double imag; } dcomplex;
struct node { double *where; double v; };

static dcomplex u0[NZ][NY][NX], u1[NZ][NY][NX];
static double twiddle[NZ][NY][NX];
static dcomplex v[N], w[N];

/* NAS FT's evolve: scale each element by its twiddle factor, then keep a copy */
void evolve(int nx, int ny, int nz) {
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                u0[k][j][i].real = u0[k][j][i].real * twiddle[k][j][i];
                u0[k][j][i].imag = u0[k][j][i].imag * twiddle[k][j][i];
                u1[k][j][i] = u0[k][j][i];
            }
}

/* restrict pointers to structs of numbers: the copy carries no address from a into b */
void copy_restrict(dcomplex *restrict a, dcomplex *restrict b, int n) {
    for (int i = 0; i < n; i++) {
        a[i].imag = a[i].real - a[i].imag;
        b[i] = a[i];
    }
}

/* serial: the copy reads the next element, whose real part the next iteration writes */
void shift_whole(int n) {
    for (int i = 0; i < n - 1; i++) {
        v[i].real = v[i].real * 0.5;
        w[i] = v[i + 1];
    }
}

/* serial: the copy writes the next element, whose imaginary part the next iteration reads */
void shift_into(int n) {
    for (int i = 0; i < n - 1; i++) {
        v[i + 1] = w[i];
        w[i].imag = v[i].imag + 1.0;
    }
}

/* serial: a and b may point into one array */
void copy_plain(dcomplex *a, dcomplex *b, int n) {
    for (int i = 0; i < n; i++) {
        a[i].imag = a[i].real + 2.0;
        b[i] = a[i];
    }
}

/* serial: the struct holds a pointer, so the copy may hand b an address based on a */
void copy_pointers(struct node *restrict a, struct node *restrict b, int n) {
    for (int i = 0; i < n; i++) {
        a[i].v = a[i].v + 1.0;
        b[i] = a[i];
    }
}

static double cks(const dcomplex *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i].real * (double)(i % 7 + 1) + a[i].imag * (double)(i % 5 + 1);
    return s;
}

int main(void) {
    // autopar: off
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++) {
                u0[k][j][i].real = (double)((i * 7 + j * 3 + k) % 11) * 0.1;
                u0[k][j][i].imag = (double)((i * 5 + j + 2 * k) % 13) * 0.1;
                twiddle[k][j][i] = 1.0 - (double)((i + j + k) % 17) * 0.01;
            }
    // autopar: off
    for (int i = 0; i < N; i++) {
        v[i].real = (double)(i % 19); v[i].imag = (double)(i % 23) - 5.0;
        w[i].real = (double)(i % 7) * 0.5; w[i].imag = (double)(i % 3);
    }
    evolve(NX, NY, NZ);
    printf("evolve %.12g %.12g\n", cks(&u0[0][0][0], NX * NY * NZ), cks(&u1[0][0][0], NX * NY * NZ));
    dcomplex *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    struct node *p = malloc(N * sizeof *p), *q = malloc(N * sizeof *q);
    // autopar: off
    for (int i = 0; i < N; i++) {
        a[i] = v[i]; b[i] = w[i];
        p[i].where = &a[i].real; p[i].v = (double)(i % 9);
    }
    copy_restrict(a, b, N); printf("copy_restrict %.12g %.12g\n", cks(a, N), cks(b, N));
    shift_whole(N); printf("shift_whole %.12g %.12g\n", cks(v, N), cks(w, N));
    shift_into(N); printf("shift_into %.12g %.12g\n", cks(v, N), cks(w, N));
    copy_plain(a, a + 1, N - 1); printf("copy_plain %.12g\n", cks(a, N));
    copy_pointers(p, q, N);
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += q[i].v + *q[i].where;
    printf("copy_pointers %.12g\n", s);
    free(a); free(b); free(p); free(q);
    return 0;
}
