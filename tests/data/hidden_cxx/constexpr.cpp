#include <cstdio>
#define N 20000
static double a[N];
constexpr void fill(double *p, int n) { for (int i = 0; i < n; i++) p[i] = i * 0.5; }
int main() {
  fill(a, N);
  printf("%g\n", a[77]);
  return 0;
}
