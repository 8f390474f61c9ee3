#include <cstdio>
#define N 20000
static int trace[N];
static int depth = 0;
struct Trace {                      /* RAII tracer: records each value when the scope ends */
  int v;
  ~Trace() { trace[depth++] = v; }
};
static double weigh(int i) {
  Trace t{i};                       /* destructor runs at the end of weigh(): no call in its text */
  return i * 0.5;
}
static double w[N];
void run(int n) { for (int i = 0; i < n; i++) w[i] = weigh(i); }
int main() {
  long bad = 0;
  for (int r = 0; r < 100; r++) {
    depth = 0;
    run(N);
    for (int i = 0; i < N; i++) bad += trace[i] != i;
  }
  printf("depth %d, out of order %ld\n", depth, bad);
  return 0;
}
