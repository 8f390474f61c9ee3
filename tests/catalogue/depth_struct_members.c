/* Arrays of structs (NAS FT's dcomplex arrays, particles): a field reached after all the subscripts
   (`g[j][i].real`) is a constant byte offset within the element the subscripts select, so the fields
   of one struct array are one object with one more dimension, and two accesses meet only when they
   select the same element and the same field. Near misses stay serial: a dependence on one field
   across elements, a union's members (they share their memory), a
   loop that also copies whole elements, two pointers that may point into one array. */
#include <stdio.h>
#include <stdlib.h>

typedef struct { double real, imag; } dcomplex;
struct particle { double x, y, vx, vy; };
struct body { int id; struct particle p; };
struct mixed { double val; int count; short flag; };
union cell { double d; long long bits; };
struct vec3 { double v[3]; double w; };

#define N 4096
#define M 16
static dcomplex g1[N];
static dcomplex g[N][M];
static dcomplex h[N][M];
static union cell cells[N];
static struct vec3 vs[N];

/* parallel: g1[j].real and g1[j].imag are two fields of one element, never the same memory */
void one(void) {
    for (int j = 0; j < N; j++)
        g1[j].real = g1[j].imag * 2.0 + 1.0;
}

/* parallel: two subscripts, then the field */
void two(void) {
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++)
            g[j][i].real = g[j][i].imag * 2.0 + 0.5;
}

/* parallel: a parameter declared as rows of M elements */
void par(dcomplex y[][M], int n) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < M; i++)
            y[j][i].real = y[j][i].imag;
}

/* parallel: a pointer parameter, the only memory the loop touches */
void ptr(dcomplex *y, int n) {
    for (int j = 0; j < n; j++)
        y[j].real = y[j].imag * 2.0;
}

/* parallel: the previous element's imag is never a real that the loop writes */
void other_field_neighbour(void) {
    for (int j = 1; j < N; j++)
        g1[j].real = g1[j - 1].imag * 0.5;
}

/* parallel: an N-body style update of each particle's own fields */
void nbody(struct particle *p, int n, double dt) {
    for (int i = 0; i < n; i++) {
        p[i].x += p[i].vx * dt;
        p[i].y += p[i].vy * dt;
    }
}

/* parallel: a nested struct's fields (`q[i].p.x`: the offset of p plus the offset of x) */
void nested_member(struct body *q, int n) {
    for (int i = 0; i < n; i++)
        q[i].p.x = q[i].p.vx * (double)q[i].id;
}

/* parallel: NAS FT's cfftz copy loops between two 2-D dcomplex arrays */
void fft_copy(int n) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < M; i++) {
            h[j][i].real = g[j][i].real;
            h[j][i].imag = g[j][i].imag;
        }
}

/* parallel: fields of different types, each read and written as its own type */
void mixed_types(struct mixed *m, int n) {
    for (int i = 0; i < n; i++) {
        m[i].count = (int)m[i].val + m[i].count;
        m[i].flag = (short)(m[i].count & 7);
    }
}

/* parallel: restrict pointers never overlap */
void restrict_pointers(dcomplex *restrict y, const dcomplex *restrict z, int n) {
    for (int j = 0; j < n; j++)
        y[j].imag = z[j].real - z[j].imag;
}

/* serial: g1[j].real reads the previous iteration's g1[j - 1].real */
void carried_field(void) {
    for (int j = 1; j < N; j++)
        g1[j].real = g1[j - 1].real * 0.5 + g1[j].imag;
}

/* serial: a union's members share their memory: cells[i + 1].d is the next iteration's bits */
void union_members(void) {
    for (int i = 0; i < N - 1; i++)
        cells[i].bits = cells[i + 1].d > 100.0 ? 1 : 2;
}

/* parallel: an array member (`vs[i].v[k]`) beside another field: each element's own fields */
void array_member(int n) {
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            vs[i].v[k] = vs[i].w * (double)k;
}

/* serial: the loop also reads whole elements: g1[j + 1] holds the real the next iteration writes */
void whole_copy(void) {
    for (int j = 0; j < N - 1; j++) {
        dcomplex t = g1[j + 1];
        g1[j].real = t.real + t.imag;
    }
}

/* serial: y and z may point into one array (here z is y shifted by one element) */
void two_pointers(dcomplex *y, dcomplex *z, int n) {
    for (int j = 0; j < n; j++)
        y[j].real = z[j].real + 1.0;
}

static double cks_c(const dcomplex *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i].real * (double)(i % 7 + 1) + a[i].imag * (double)(i % 5 + 1);
    return s;
}

int main(void) {
    // autopar: off
    for (int j = 0; j < N; j++) {
        g1[j].real = (double)(j % 11) * 0.25;
        g1[j].imag = (double)(j % 13) * 0.5;
        cells[j].d = (double)(j % 300);
        vs[j].w = (double)(j % 9);
        for (int i = 0; i < M; i++) {
            g[j][i].real = (double)((i + j) % 17);
            g[j][i].imag = (double)((i * j) % 19);
        }
    }
    one(); printf("one %.12g\n", cks_c(g1, N));
    two(); printf("two %.12g\n", cks_c(&g[0][0], N * M));
    par(g, N); printf("par %.12g\n", cks_c(&g[0][0], N * M));
    ptr(g1, N); printf("ptr %.12g\n", cks_c(g1, N));
    other_field_neighbour(); printf("other_field_neighbour %.12g\n", cks_c(g1, N));
    struct particle *p = malloc(N * sizeof *p);
    struct body *q = malloc(N * sizeof *q);
    struct mixed *m = malloc(N * sizeof *m);
    // autopar: off
    for (int i = 0; i < N; i++) {
        p[i].x = i * 0.5; p[i].y = i * 0.25; p[i].vx = (i % 7) * 1.5; p[i].vy = (i % 3) - 1.0;
        q[i].id = i % 10; q[i].p = p[i];
        m[i].val = (i % 23) * 1.75; m[i].count = i % 4; m[i].flag = 0;
    }
    nbody(p, N, 0.125);
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += p[i].x * (i % 5 + 1) + p[i].y * (i % 3 + 1);
    printf("nbody %.12g\n", s);
    nested_member(q, N);
    s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += q[i].p.x * (i % 5 + 1) + q[i].id;
    printf("nested_member %.12g\n", s);
    fft_copy(N); printf("fft_copy %.12g\n", cks_c(&h[0][0], N * M));
    mixed_types(m, N);
    long long t = 0;
    // autopar: off
    for (int i = 0; i < N; i++)
        t += m[i].count * (i % 5 + 1) + m[i].flag;
    printf("mixed_types %lld\n", t);
    restrict_pointers(g1, &h[0][0], N); printf("restrict_pointers %.12g\n", cks_c(g1, N));
    carried_field(); printf("carried_field %.12g\n", cks_c(g1, N));
    union_members();
    t = 0;
    // autopar: off
    for (int i = 0; i < N; i++)
        t += cells[i].bits % 1000 * (i % 5 + 1);
    printf("union_members %lld\n", t);
    array_member(N);
    s = 0.0;
    // autopar: off
    for (int i = 0; i < N; i++)
        s += vs[i].v[1] + vs[i].v[2] * 2.0;
    printf("array_member %.12g\n", s);
    whole_copy(); printf("whole_copy %.12g\n", cks_c(g1, N));
    two_pointers(g1 + 1, g1, N - 1); printf("two_pointers %.12g\n", cks_c(g1, N));
    free(p); free(q); free(m);
    return 0;
}
