/* nussinov: an affine kernel of the restructuring suite, written as PolyBench writes it: heap arrays
 * passed as parameters with declared extents (plain serial C). RNA folding by dynamic programming:
 * every cell depends on cells to its left and below, so only the innermost max can be split. */
#include "harness.h"
#include <math.h>
#include <stdlib.h>

#ifndef N
#define N 64
#endif

#define match(b1, b2) (((b1) + (b2)) == 3 ? 1 : 0)
#define max_score(s1, s2) ((s1 >= s2) ? s1 : s2)

static void kernel_nussinov(int n, char seq[N], int table[N][N]) {
  int i, j, k;
  for (i = n - 1; i >= 0; i--) {
    for (j = i + 1; j < n; j++) {
      if (j - 1 >= 0)
        table[i][j] = max_score(table[i][j], table[i][j - 1]);
      if (i + 1 < n)
        table[i][j] = max_score(table[i][j], table[i + 1][j]);
      if (j - 1 >= 0 && i + 1 < n) {
        if (i < j - 1)
          table[i][j] = max_score(table[i][j], table[i + 1][j - 1] + match(seq[i], seq[j]));
        else
          table[i][j] = max_score(table[i][j], table[i + 1][j - 1]);
      }
      for (k = i + 1; k < j; k++)
        table[i][j] = max_score(table[i][j], table[i][k] + table[k + 1][j]);
    }
  }
}

int main(void) {
    seed_random(46);
    char (*seq)[N] = malloc(sizeof(char[N]));
    int (*table)[N][N] = calloc(1, sizeof(int[N][N]));
    if (!seq || !table)
        return 1;
    for (int i = 0; i < N; i++)
        (*seq)[i] = (char)((i + 1) % 4);
    double start = now_seconds();
    kernel_nussinov(N, *seq, *table);
    double elapsed = now_seconds() - start;
    long long checksum = 0;
    for (int i = 0; i < N; i++)
        for (int j = i; j < N; j++)
            checksum += (long long)(*table)[i][j] * (j % 7 + 1);
    printf("kernel nussinov\n");
    printf("size N=%d\n", N);
    print_result(elapsed, (double)checksum);
    free(seq); free(table);
    return 0;
}
