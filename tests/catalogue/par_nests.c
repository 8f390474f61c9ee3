/* Loop nests: linearised and 2-D subscripts, collapse, triangular work, runtime alias checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define M 48
double GX[M][M], GY[M][M];
struct pair { double x[M * M]; double y[M * M]; } GS;

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* the paper's matmul: no restrict, so a runtime overlap check */
void matmul(float *A, float *B, float *C, int n) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int k = 0; k < n; k++)
                sum += A[i * n + k] * B[k * n + j];
            C[i * n + j] = sum;
        }
    }
}

/* with restrict it is proven statically */
void matmul_restrict(const float *restrict A, const float *restrict B, float *restrict C, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int k = 0; k < n; k++)
                sum += A[i * n + k] * B[k * n + j];
            C[i * n + j] = sum;
        }
}

/* 2-D global arrays, out-of-place stencil */
void jacobi2d(void) {
    for (int i = 1; i < M - 1; i++)
        for (int j = 1; j < M - 1; j++)
            GY[i][j] = 0.25 * (GX[i - 1][j] + GX[i + 1][j] + GX[i][j - 1] + GX[i][j + 1]);
}

/* two outer iterations only: collapse(2) spreads the work */
void short_outer(double *restrict a, int n) {
    for (int c = 0; c < 2; c++)
        for (int j = 0; j < n; j++)
            a[c * n + j] = sqrt((double)(c + j)) * 0.5;
}

/* triangular: the work of an iteration grows with i, dynamic schedule */
void triangular(double *restrict r, const double *restrict a, int n) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j <= i; j++)
            s += a[i * n + j] * (double)(j + 1);
        r[i] = s;
    }
}

/* the outer loop carries a dependence, the inner one is parallel */
void inner_only(double *restrict a, int n, int m) {
    for (int i = 1; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i * m + j] = a[(i - 1) * m + j] * 0.5 + 1.0;
}

/* coupled subscripts c[i + j][j]: distinct (i, j) touch distinct elements */
void coupled(void) {
    for (int i = 0; i < M / 2; i++)
        for (int j = 0; j < M / 2; j++)
            GX[i + j][j] = GX[i + j][j] * 0.5 + (double)(i - j);
}

/* linearised out-of-place transpose */
void transpose(double *restrict b, const double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            b[j * n + i] = a[i * n + j];
}

/* three-level linearised subscripts */
void lin3d(double *restrict a, int p, int q, int r) {
    for (int i = 0; i < p; i++)
        for (int j = 0; j < q; j++)
            for (int k = 0; k < r; k++)
                a[(i * q + j) * r + k] = (double)(i - j + k) * 0.1;
}

/* runtime check on flat 2-D ranges */
void add2d(double *c, const double *a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            c[i * m + j] = a[i * m + j] + 1.0;
}

/* arrays inside one global struct: member paths */
void members(int n) {
    for (int i = 0; i < n; i++)
        GS.x[i] = GS.y[i] * 2.0 + 1.0;
}

/* an imperfect nest: the outer loop is parallel, no collapse */
void imperfect(double *restrict out, const double *restrict a, int n, int m) {
    for (int i = 0; i < n; i++) {
        double base = a[i * m];
        for (int j = 0; j < m; j++)
            out[i * m + j] = a[i * m + j] - base;
    }
}

/* negative inner step in a 2-D nest */
void reverse_rows(double *restrict b, const double *restrict a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = m - 1; j >= 0; j--)
            b[i * m + j] = a[i * m + (m - 1 - j)];
}

/* triangular with the inner loop starting at i + 1 */
void upper_triangle(double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            a[i * n + j] = a[i * n + j] + a[j * n + i] * 0.001;
}

/* out = p * v: the outer loop is chosen over the cheap inner initialisation loop */
void weighted_rows(float *restrict out, const float *restrict p, const float *restrict v, int n, int d) {
    for (int i = 0; i < n; i++) {
        for (int t = 0; t < d; t++)
            out[i * d + t] = 0.0f;
        for (int j = 0; j < n; j++) {
            float w = p[i * n + j];
            for (int t = 0; t < d; t++)
                out[i * d + t] += w * v[j * d + t];
        }
    }
}

/* parameters declared as 2-D arrays may alias: the check compares the corners &out[1][1].. */
void jacobi_params(double out[M][M], double in[M][M]) {
    for (int i = 1; i < M - 1; i++)
        for (int j = 1; j < M - 1; j++)
            out[i][j] = 0.25 * (in[i - 1][j] + in[i + 1][j] + in[i][j - 1] + in[i][j + 1]);
}

/* max pooling: `in[(c*h + y*pool + dy)*w + x*pool + dx]` multiplies loop variables by the parameter
   pool, which isl cannot model; its range is bounded term by term (with pool, h, w > 0 tested) */
void max_pool(const float *in, float *out, int channels, int h, int w, int pool) {
    int oh = h / pool, ow = w / pool;
    for (int c = 0; c < channels; c++)
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                float best = in[(c * h + y * pool) * w + x * pool];
                for (int dy = 0; dy < pool; dy++)
                    for (int dx = 0; dx < pool; dx++) {
                        float value = in[(c * h + y * pool + dy) * w + x * pool + dx];
                        if (value > best)
                            best = value;
                    }
                out[(c * oh + y) * ow + x] = best;
            }
}

/* a valid 3x3 convolution: `in` cannot be delinearised (ow is opaque) but its range is still bounded
   when w > 0, which the runtime check tests too */
void conv_valid(float *out, const float *in, const float *k3, int h, int w) {
    int oh = h - 2, ow = w - 2;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            float acc = 0.0f;
            for (int r = 0; r < 3; r++)
                for (int s = 0; s < 3; s++)
                    acc += in[(y + r) * w + x + s] * k3[r * 3 + s];
            out[y * ow + x] = acc;
        }
}

/* the block start is assigned by the outer loop, not by k: fixed while k runs, so a parameter of k */
void blocks(double *restrict a, const double *restrict w, int nb, int len) {
    int start = 0;
    for (int b = 0; b < nb; b++) {
        for (int k = 0; k < len; k++)
            a[start + k] = a[start + k] * 0.5 + w[k] * w[k + 1];
        start += len;
    }
}

/* a per-row offset read from data: fixed in j, but it changes with i, whose rows may overlap */
void offset_rows(double *restrict a, const int *restrict off, const double *restrict w, int n, int m) {
    for (int i = 0; i < n; i++) {
        int s = off[i];
        for (int j = 0; j < m; j++)
            a[s + j] = a[s + j] * 0.5 + w[j] * w[j + 1];
    }
}

int main(void) {
    int n = 40;
    float *A = malloc(sizeof(float) * n * n), *B = malloc(sizeof(float) * n * n),
          *C = malloc(sizeof(float) * n * n);
    double *a = malloc(sizeof(double) * 4 * M * M), *b = malloc(sizeof(double) * 4 * M * M);
    for (int i = 0; i < n * n; i++) {
        A[i] = (float)(i % 7) / 7.0f;
        B[i] = (float)(i % 5) / 5.0f;
    }
    for (int i = 0; i < 4 * M * M; i++) {
        a[i] = (double)((i * 37) % 101) / 10.0;
        b[i] = 0.0;
    }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            GX[i][j] = (double)((i * 7 + j * 3) % 17);
            GY[i][j] = 0.0;
        }
    for (int i = 0; i < M * M; i++) {
        GS.x[i] = 0.0;
        GS.y[i] = (double)(i % 11);
    }
    double cs[1];
    matmul(A, B, C, n);
    cs[0] = 0.0;
    for (int i = 0; i < n * n; i++)
        cs[0] += C[i];
    printf("matmul %.6f\n", cs[0]);
    matmul(A, B, A, n); /* aliasing call: the if() keeps it serial */
    cs[0] = 0.0;
    for (int i = 0; i < n * n; i++)
        cs[0] += A[i];
    printf("matmul_alias %.6f\n", cs[0]);
    matmul_restrict(B, B, C, n);
    cs[0] = 0.0;
    for (int i = 0; i < n * n; i++)
        cs[0] += C[i];
    printf("matmul_restrict %.6f\n", cs[0]);
    jacobi2d(); cks("jacobi2d", &GY[0][0], M * M);
    short_outer(b, M * M); cks("short_outer", b, 2 * M * M);
    triangular(b, a, M); cks("triangular", b, M);
    inner_only(a, M, M); cks("inner_only", a, M * M);
    coupled(); cks("coupled", &GX[0][0], M * M);
    transpose(b, a, M); cks("transpose", b, M * M);
    lin3d(b, 6, 7, 8); cks("lin3d", b, 6 * 7 * 8);
    add2d(b, a, 30, 20); cks("add2d", b, 600);
    add2d(a + 5, a, 30, 20); cks("add2d_alias", a, 610);
    members(M * M); cks("members", GS.x, M * M);
    imperfect(b, a, M, M); cks("imperfect", b, M * M);
    reverse_rows(b, a, M, M); cks("reverse_rows", b, M * M);
    upper_triangle(a, M); cks("upper_triangle", a, M * M);
    jacobi_params(GY, GX); cks("jacobi_params", &GY[0][0], M * M);
    jacobi_params(GX, GX); cks("jacobi_params_alias", &GX[0][0], M * M);
    max_pool(A, C, 2, 20, 16, 2);
    cs[0] = 0.0;
    for (int i = 0; i < 2 * 10 * 8; i++)
        cs[0] += C[i] * (float)(i % 3 + 1);
    printf("max_pool %.4f\n", cs[0]);
    max_pool(A, A + 100, 2, 20, 16, 2); /* overlapping: serial by the if() */
    cs[0] = 0.0;
    for (int i = 0; i < 300; i++)
        cs[0] += A[i] * (float)(i % 3 + 1);
    printf("max_pool_alias %.4f\n", cs[0]);
    weighted_rows(C, A, B, 20, 30);
    cs[0] = 0.0;
    for (int i = 0; i < 600; i++)
        cs[0] += C[i] * (float)(i % 5);
    printf("weighted_rows %.4f\n", cs[0]);
    {
        float k3[9] = {0.1f, 0.2f, 0.1f, 0.0f, 0.5f, 0.0f, -0.1f, -0.2f, -0.1f};
        conv_valid(C, A, k3, 30, 20);
        cs[0] = 0.0;
        for (int i = 0; i < 28 * 18; i++)
            cs[0] += C[i] * (float)(i % 7);
        printf("conv_valid %.4f\n", cs[0]);
        conv_valid(A + 3, A, k3, 30, 20); /* overlapping: the if() keeps it serial */
        cs[0] = 0.0;
        for (int i = 0; i < 28 * 18; i++)
            cs[0] += A[i] * (float)(i % 7);
        printf("conv_valid_alias %.4f\n", cs[0]);
    }
    {
        int offs[12];
        for (int i = 0; i < 12; i++)
            offs[i] = (i * 5) % 9; /* rows overlap: the i loop must stay serial */
        for (int i = 0; i < 4 * M * M; i++)
            b[i] = (double)(i % 9) / 4.0;
        blocks(b, a, 6, M); cks("blocks", b, 6 * M);
        offset_rows(b, offs, a, 12, M); cks("offset_rows", b, 8 + 12 + M);
    }
    free(A); free(B); free(C); free(a); free(b);
    return 0;
}
