#include <cstdio>
#define N 20000
static int next_serial = 0;
struct Numbered { int serial; Numbered() : serial(next_serial++) {} };
struct Part : Numbered { double w; Part() : w(1.0) {} };   /* runs Numbered() implicitly */
static int serials[N];
void make(int n) {
  for (int i = 0; i < n; i++) {
    Part p;
    serials[i] = p.serial;
  }
}
int main() {
  long bad = 0;
  for (int r = 0; r < 100; r++) {
    next_serial = 0;
    make(N);
    for (int i = 0; i < N; i++) bad += serials[i] != i;
  }
  printf("next_serial %d, wrong serials %ld\n", next_serial, bad);
  return 0;
}
