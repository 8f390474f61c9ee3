#include <cstdio>
#define N 20000
static int next_id = 0;
struct Id { int v; Id() : v(next_id++) {} };   /* user default constructor with a side effect */
struct Rec { Id id; double w; };               /* aggregate */
static int ids[N];
void issue(int n) {
  for (int i = 0; i < n; i++) {
    Rec r{};             /* value-initializes r.id through Id::Id(): no call in the loop's text */
    ids[i] = r.id.v;
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
