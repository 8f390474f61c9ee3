/* Scalars that name an element: a private scalar's definition substituted into the subscripts that
   use it (issue 14, class 1), and near misses where it must not be. */
#include <stdio.h>
#include <stdlib.h>

#define N 96
#define L 4096
double F[3][N][N], R[N][N + 2], S[N][N + 2], G[4 * L], H[4 * L], U[8][N][N][5], B[N * N];

static void cks(const char *name, const double *a, int n) {
    double s = 0.0;
    // autopar: off
    for (int i = 0; i < n; i++)
        s += a[i] * (double)(i % 13 + 1);
    printf("%s %.12g\n", name, s);
}

/* `i = 1; f[i][j][m] = ...; i = 2; ...`: constant rows named by a scalar */
void subst_const_rows(void) {
    int i;
    for (int j = 0; j < N; j++)
        for (int m = 0; m < N; m++) {
            i = 1;
            F[i][j][m] = F[0][j][m] + 1.0;
            i = 2;
            F[i][j][m] = F[0][j][m] * 2.0;
        }
}

/* `k1 = k + 1; r[m][k1]`: a shifted column */
void subst_shift(void) {
    int k1;
    for (int k = 0; k < N; k++) {
        k1 = k + 1;
        for (int m = 0; m < N; m++)
            R[m][k1] = R[m][k1] * 0.5 + S[m][k];
    }
}

/* a declaration, then a second definition of the same scalar */
void subst_redeclared(void) {
    for (int i = 0; i < 2 * L; i++) {
        int r = 2 * i;
        G[r] = H[i] + 1.0;
        r = 2 * i + 1;
        G[r] = H[i] - 1.0;
    }
}

/* a row offset computed in the outer loop, used in the inner one */
void subst_row_offset(void) {
    int off;
    for (int i = 0; i < N; i++) {
        off = i * N;
        for (int j = 0; j < N; j++)
            B[off + j] = (double)(i - j) * 0.25;
    }
}

/* a chain of definitions */
void subst_chain(void) {
    int a, b;
    for (int i = 0; i < 3 * L; i++) {
        a = i + 1;
        b = a + 1;
        G[b] = H[i] * 3.0;
    }
}

/* boundary planes named by a scalar, as in structured-grid solvers */
void subst_boundaries(void) {
    int i;
    for (int k = 0; k < 8; k++)
        for (int j = 0; j < N; j++)
            for (int m = 0; m < 5; m++) {
                i = 0;
                U[k][j][i][m] = U[k][j][i + 1][m] * 0.5;
                i = N - 1;
                U[k][j][i][m] = U[k][j][i - 1][m] * 0.5;
            }
}

/* serial: the scalar is used before its definition in the iteration (the last iteration's value) */
void subst_use_before_def(void) {
    int k1 = 0;
    for (int k = 0; k < N; k++) {
        for (int m = 0; m < N; m++)
            R[m][k1] = R[m][k1] + 1.0;
        k1 = k + 1;
    }
}

/* serial: the definition does not run in every iteration */
void subst_conditional_def(int c) {
    int i = 0;
    for (int k = 0; k < N; k++) {
        if (k % 3 == c)
            i = k;
        G[i] = (double)k;
    }
}

/* serial: the substituted subscript is the same element in every iteration */
void subst_same_element(void) {
    int i;
    for (int k = 0; k < N; k++) {
        i = 0;
        G[i] = G[i] * 0.5 + H[k];
    }
}

/* serial: substituted exactly, the neighbours overlap (G[i + 1] of one iteration is G[i] of the next) */
void subst_overlap(void) {
    int x;
    for (int i = 0; i < N; i++) {
        x = i;
        G[x] = G[x] + 1.0;
        x = i + 1;
        G[x] = G[x] * 0.5;
    }
}

/* serial: the inner loop redefines the scalar after its use, so its value comes from the inner loop */
void subst_inner_redef(void) {
    int k1;
    for (int k = 0; k < N; k++) {
        k1 = k;
        for (int m = 1; m < N; m++) {
            R[m][k1] = R[m][k1] + 1.0;
            k1 = m;
        }
    }
}

/* a counter advanced once per iteration names c[j] = c[j0 + i]: linear(j:1) (the race benchmark's
   `linear` case) */
void linear_counter(int n) {
    int j = 0;
    for (int i = 0; i < n; i++) {
        G[j] += H[i] * 2.0;
        j++;
    }
}

/* by two, counting down, read after the increment, and used after the loop */
int linear_after(int n) {
    int j = 1;
    for (int i = n - 1; i >= 0; i--) {
        j += 2;
        G[j] = H[i] + 1.0;
        G[j + 1] = -H[i];
    }
    return j;
}

/* the counter read as a value too: each iteration gets its own from linear() */
void linear_value(int n) {
    int j = 5;
    for (int i = 0; i < n; i++) {
        H[i] = (double)(j % 7) + G[j];
        j++;
    }
}

/* serial: a condition reads the counter */
void linear_in_condition(int n) {
    int j = 0;
    for (int i = 0; i < n; i++) {
        if (j % 3 == 0)
            H[i] = 1.0;
        G[j] = H[i] * 0.5;
        j++;
    }
}

/* serial: the increment is conditional, so the counter is no function of i */
void linear_conditional(int n) {
    int j = 0;
    for (int i = 0; i < n; i++) {
        if (H[i] > 8.0) {
            G[j] = H[i];
            j++;
        }
    }
}

/* serial: a counter wider than the loop variable (clang 14 crashes on linear() counting down) */
void linear_wide(int n) {
    long j = n;
    for (int i = n - 1; i >= 0; i--) {
        G[j] = H[i];
        j--;
    }
}

/* serial: the counter's element is read one step back */
void linear_carried(int n) {
    int j = 1;
    for (int i = 0; i < n - 1; i++) {
        G[j] = G[j - 1] + H[i];
        j++;
    }
}

int main(void) {
    for (int j = 0; j < N; j++)
        for (int m = 0; m < N; m++) {
            F[0][j][m] = (double)((j * 7 + m) % 11);
            B[j * N + m] = 0.0;
            for (int k = 0; k < N + 2; k++) {
                R[j][k] = (double)((j + k) % 5);
                S[j][k] = (double)((j * k) % 3);
            }
        }
    for (int k = 0; k < 8; k++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                for (int m = 0; m < 5; m++)
                    U[k][j][i][m] = (double)((k + j + i + m) % 7);
    for (int i = 0; i < 4 * L; i++) {
        G[i] = 0.0;
        H[i] = (double)(i % 17);
    }
    subst_const_rows(); cks("subst_const_rows", &F[0][0][0], 3 * N * N);
    subst_shift(); cks("subst_shift", &R[0][0], N * (N + 2));
    subst_redeclared(); cks("subst_redeclared", G, 4 * L);
    subst_row_offset(); cks("subst_row_offset", B, N * N);
    subst_chain(); cks("subst_chain", G, 4 * L);
    subst_boundaries(); cks("subst_boundaries", &U[0][0][0][0], 8 * N * N * 5);
    subst_use_before_def(); cks("subst_use_before_def", &R[0][0], N * (N + 2));
    subst_conditional_def(1); cks("subst_conditional_def", G, 4 * L);
    subst_same_element(); cks("subst_same_element", G, 4 * L);
    subst_overlap(); cks("subst_overlap", G, 4 * L);
    subst_inner_redef(); cks("subst_inner_redef", &R[0][0], N * (N + 2));
    linear_counter(4 * L); cks("linear_counter", G, 4 * L);
    printf("linear_after %d\n", linear_after(L)); cks("linear_after", G, 4 * L);
    printf("linear_after_none %d\n", linear_after(0));
    linear_conditional(4 * L); cks("linear_conditional", G, 4 * L);
    linear_wide(L); cks("linear_wide", G, 4 * L);
    linear_value(L); cks("linear_value", H, 4 * L);
    linear_in_condition(L); cks("linear_in_condition", G, 4 * L);
    linear_carried(4 * L); cks("linear_carried", G, 4 * L);
    return 0;
}
