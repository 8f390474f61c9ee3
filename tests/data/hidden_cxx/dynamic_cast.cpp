#include <cstdio>
#include <typeinfo>
#define N 20000
struct B { virtual ~B() {} };
struct D : B { double w = 2; };
double out[N];
void scale(int n) {
  B lb;  /* not a D: the cast throws std::bad_cast */
  for (int i = 0; i < n; i++) out[i] = dynamic_cast<D &>(lb).w * i;
}
int main() {
  int caught = 0;
  for (int r = 0; r < 100; r++) {
    try { scale(N); } catch (std::bad_cast &) { caught++; }
  }
  printf("caught %d\n", caught);
  return 0;
}
