#include <cstdio>
#define N 20000
static int a[N];
static double b[N];
/* C++ only: a function-local static is initialized from the argument of the FIRST call */
static int offset_from_first(int i) { static int first = i; return i - first; }
void fill(int n) { for (int i = 0; i < n; i++) a[i] = offset_from_first(i); }
void scale(int n) { for (int i = 0; i < n; i++) b[i] = b[i] * 0.5 + i; }
int main() {
  for (int r = 0; r < 50; r++) scale(N);   /* other work first */
  fill(N);
  long s = 0; for (int i = 0; i < N; i++) s += a[i] != i;
  printf("mismatches %ld (a[0]=%d) %g\n", s, a[0], b[7]);
}
