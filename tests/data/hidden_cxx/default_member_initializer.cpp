#include <cstdio>
#define N 20000
static int next_id = 0;
struct Ticket {
  int id = next_id++;   /* default member initializer: runs at every aggregate initialization */
  double weight = 1.0;
};
static int ids[N];
void issue(int n) {
  for (int i = 0; i < n; i++) {
    Ticket t{};          /* aggregate init: no constructor call, no call in the loop's text */
    ids[i] = t.id;
  }
}
int main() {
  long bad = 0;
  for (int r = 0; r < 100; r++) {
    next_id = 0;
    issue(N);
    for (int i = 0; i < N; i++) bad += ids[i] != i;
  }
  printf("next_id %d, wrong ids %ld\n", next_id, bad);
  return 0;
}
