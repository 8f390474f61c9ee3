#include <cstdio>
#define N 20000
static int order[N];
static int pos = 0;
struct Tick {
  int v;
  ~Tick() { order[pos++] = v; }   /* a side effect that no call in the loop's text shows */
};
static double a[N];
void run(int n) {
  for (int i = 0; i < n; i++) {
    Tick t[1] = {};               /* a local ARRAY of a class with a destructor */
    t[0].v = i;
    a[i] = t[0].v * 0.5;
  }
}
int main() {
  long bad = 0;
  for (int r = 0; r < 200; r++) {
    pos = 0;
    run(N);
    for (int i = 0; i < N; i++) bad += order[i] != i;
  }
  printf("pos %d, out of order %ld\n", pos, bad);
  return 0;
}
