/* Location reductions (issue 16, idiom 2): `if (x < best) { best = x; at = i; }` finds the best value
   and the first iteration that has it. Each thread finds its share's, and the shares are combined
   with the serial tie-break (the smaller index when the loop counts up, the larger when it counts
   down), so the result is the serial one bit for bit, ties and all. Near misses stay serial: `<=`
   (the last one wins), an index that is not the loop variable, a value stored that is not the one
   compared, the value read elsewhere, an index narrower than the loop variable. */
#include <stdio.h>
#include <limits.h>

#define N 20000
int dist[N], vals[N];
char done[N];
double mag[N];

/* Dijkstra's next vertex: the guard is part of the condition; many ties */
int closest(int n) {
    int best = -1, best_dist = INT_MAX;
    for (int v = 0; v < n; v++) {
        if (!done[v] && dist[v] < best_dist) {
            best_dist = dist[v];
            best = v;
        }
    }
    return best * 1000 + best_dist % 1000;
}

/* a pivot search that counts down: ties go to the larger index */
int pivot(int n) {
    double amax = 0.0;
    int p = 0;
    for (int i = n - 1; i >= 0; i--)
        if (mag[i] * mag[i] > amax) {
            p = i;
            amax = mag[i] * mag[i];
        }
    return p;
}

/* the best value on the left of the comparison */
long largest(int n) {
    int top = INT_MIN;
    long where = -1;
    for (int i = 0; i < n; i++) {
        if (top < vals[i]) {
            top = vals[i];
            where = i;
        }
    }
    return where * 100 + top;
}

/* serial: with <= the last of the equal values wins */
int last_minimum(int n) {
    int best = INT_MAX, at = -1;
    for (int i = 0; i < n; i++) {
        if (vals[i] <= best) {
            best = vals[i];
            at = i;
        }
    }
    return at;
}

/* serial: the index is not the loop variable */
int shifted_index(int n) {
    int best = INT_MAX, at = -1;
    for (int i = 0; i < n; i++) {
        if (vals[i] < best) {
            best = vals[i];
            at = i + 1;
        }
    }
    return at;
}

/* serial: the value kept is not the value compared */
int other_value(int n) {
    int best = INT_MAX, at = -1;
    for (int i = 0; i < n; i++) {
        if (vals[i] < best) {
            best = vals[i] + 1;
            at = i;
        }
    }
    return at + best;
}

/* serial: the best value so far is read for something else */
long read_elsewhere(int n) {
    int best = INT_MAX, at = -1;
    long seen = 0;
    for (int i = 0; i < n; i++) {
        if (vals[i] < best) {
            best = vals[i];
            at = i;
        }
        seen += best;
    }
    return seen + at;
}

/* serial: a short index cannot hold every value of the int loop variable */
int short_index(int n) {
    int best = INT_MAX;
    short at = -1;
    for (int i = 0; i < n; i++) {
        if (vals[i] < best) {
            best = vals[i];
            at = i;
        }
    }
    return at;
}

int main(void) {
    for (int i = 0; i < N; i++) {
        dist[i] = (i * 7919) % 997 + 3;
        done[i] = (char)(i % 5 == 0);
        vals[i] = (i * 31) % 1009 - 500;
        mag[i] = (double)((i * 13) % 101) - 50.0;
    }
    printf("closest %d\n", closest(N));
    printf("pivot %d\n", pivot(N));
    printf("largest %ld\n", largest(N));
    printf("last_minimum %d\n", last_minimum(N));
    printf("shifted_index %d\n", shifted_index(N));
    printf("other_value %d\n", other_value(N));
    printf("read_elsewhere %ld\n", read_elsewhere(N));
    printf("short_index %d\n", short_index(N));
    return 0;
}
