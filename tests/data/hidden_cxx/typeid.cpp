#include <cstdio>
#include <typeinfo>
#define N 20000
struct B { virtual ~B() {} };
struct D : B {};
static double out[N];
B *gp = nullptr;
void classify(int n) {
  /* typeid(*gp) throws std::bad_typeid when gp is null */
  for (int i = 0; i < n; i++) out[i] = (&typeid(*gp) == &typeid(D)) ? i : -i;
}
int main() {
  int caught = 0;
  for (int r = 0; r < 100; r++) {
    try { classify(N); } catch (std::bad_typeid &) { caught++; }
  }
  printf("caught %d\n", caught);
  return 0;
}
