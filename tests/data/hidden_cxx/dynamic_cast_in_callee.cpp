#include <cstdio>
#include <typeinfo>
#define N 20000
struct B { virtual ~B() {} };
struct D : B { double w = 2; };
B gb;                                   /* not a D */
static double weight() { return dynamic_cast<D &>(gb).w; }   /* throws std::bad_cast */
double total(int n) { double s = 0; for (int i = 0; i < n; i++) s += weight() * i; return s; }
int main() {
  int caught = 0;
  for (int r = 0; r < 100; r++) {
    try { printf("%g\n", total(N)); } catch (std::bad_cast &) { caught++; }
  }
  printf("caught %d\n", caught);
  return 0;
}
