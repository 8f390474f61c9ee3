/* Claims (issue 16, idiom 5): a loop that takes each element of an array once, `if (level[u] < 0)
   { level[u] = depth + 1; next[n++] = u; }`. A compare-and-swap makes each visit of an element see
   what the visits before it left, and every claim writes the same value, so the array ends as in
   the serial loop; the appended elements are the same in another order, which must not be observed:
   the buffer is read only as `frontier[i]` by the same loop after a swap and `size = n`. Near
   misses stay serial: a parent array (which visitor wins shows), the frontier read after the search,
   two claims that write different values, a size that is not the count, the level read elsewhere. */
#include <stdio.h>
#include <stdlib.h>

#define NV 30000
#define DEG 5
int row_ptr[NV + 1], col_idx[NV * DEG], level[NV], parent[NV];
char seen[NV];
int picks[NV * 4];

static void make_graph(void) {
    unsigned s = 12345;
    for (int v = 0; v <= NV; v++)
        row_ptr[v] = v * DEG;
    for (int e = 0; e < NV * DEG; e++) {
        s = s * 1103515245u + 12345u;
        col_idx[e] = (int)((s >> 9) % NV);
    }
    for (int k = 0; k < NV * 4; k++) {
        s = s * 1103515245u + 12345u;
        picks[k] = (int)((s >> 9) % NV);
    }
}

static long checksum(const int *a) {
    long sum = 0;
    for (int v = 0; v < NV; v++)
        sum += (long)a[v] * (v % 7 + 1);
    return sum;
}

/* the level-synchronous search: the frontier loop claims each vertex once */
int levels(int source) {
    int *frontier = malloc(sizeof(int) * NV), *next = malloc(sizeof(int) * NV);
    if (!frontier || !next)
        return -1;
    for (int v = 0; v < NV; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int size = 1, depth = 0;
    while (size > 0) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            int v = frontier[i];
            for (int e = row_ptr[v]; e < row_ptr[v + 1]; e++) {
                int u = col_idx[e];
                if (level[u] < 0) {
                    level[u] = depth + 1;
                    next[count++] = u;
                }
            }
        }
        int *t = frontier;
        frontier = next;
        next = t;
        size = count;
        depth++;
    }
    free(frontier);
    free(next);
    return depth;
}

/* a claim that appends nothing: marks the picked vertices */
int mark(void) {
    int marked = 0;
    for (int k = 0; k < NV * 4; k++) {
        int u = picks[k];
        if (!seen[u])
            seen[u] = 1;
    }
    for (int v = 0; v < NV; v++)
        marked += seen[v];
    return marked;
}

/* serial: which visitor becomes the parent depends on the order */
int parents(int source) {
    int *frontier = malloc(sizeof(int) * NV), *next = malloc(sizeof(int) * NV);
    if (!frontier || !next)
        return -1;
    for (int v = 0; v < NV; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int size = 1, depth = 0;
    while (size > 0) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            int v = frontier[i];
            for (int e = row_ptr[v]; e < row_ptr[v + 1]; e++) {
                int u = col_idx[e];
                if (level[u] < 0) {
                    level[u] = depth + 1;
                    parent[u] = v;
                    next[count++] = u;
                }
            }
        }
        int *t = frontier;
        frontier = next;
        next = t;
        size = count;
        depth++;
    }
    free(frontier);
    free(next);
    return depth;
}

/* serial: the last frontier's first vertex is returned, so its order shows */
int last_found(int source) {
    int *frontier = malloc(sizeof(int) * NV), *next = malloc(sizeof(int) * NV);
    if (!frontier || !next)
        return -1;
    for (int v = 0; v < NV; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int size = 1, depth = 0, last = source;
    while (size > 0) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            int v = frontier[i];
            for (int e = row_ptr[v]; e < row_ptr[v + 1]; e++) {
                int u = col_idx[e];
                if (level[u] < 0) {
                    level[u] = depth + 1;
                    next[count++] = u;
                }
            }
        }
        if (count > 0)
            last = next[0];
        int *t = frontier;
        frontier = next;
        next = t;
        size = count;
        depth++;
    }
    free(frontier);
    free(next);
    return last;
}

/* serial: the two claims write different values, so which comes first shows */
int two_values(void) {
    int changed = 0;
    for (int v = 0; v < NV; v++)
        level[v] = -1;
    for (int k = 0; k < NV * 2; k++) {
        int u = picks[k], w = picks[k + NV];
        if (level[u] < 0)
            level[u] = 1;
        if (level[w] < 0)
            level[w] = 2;
    }
    for (int v = 0; v < NV; v++)
        changed += level[v] > 0 ? level[v] : 0;
    return changed;
}

/* serial: the next turn reads one element fewer than was appended */
int short_turns(int source) {
    int *frontier = malloc(sizeof(int) * NV), *next = malloc(sizeof(int) * NV);
    if (!frontier || !next)
        return -1;
    for (int v = 0; v < NV; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int size = 1, depth = 0;
    while (size > 0) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            int v = frontier[i];
            for (int e = row_ptr[v]; e < row_ptr[v + 1]; e++) {
                int u = col_idx[e];
                if (level[u] < 0) {
                    level[u] = depth + 1;
                    next[count++] = u;
                }
            }
        }
        int *t = frontier;
        frontier = next;
        next = t;
        size = count - 1;
        depth++;
    }
    free(frontier);
    free(next);
    return depth;
}

/* serial: the loop reads the level of the vertex it expands too */
int read_level(int source) {
    int *frontier = malloc(sizeof(int) * NV), *next = malloc(sizeof(int) * NV);
    if (!frontier || !next)
        return -1;
    for (int v = 0; v < NV; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int size = 1, depth = 0;
    while (size > 0) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            int v = frontier[i];
            int d = level[v] + 1;
            for (int e = row_ptr[v]; e < row_ptr[v + 1]; e++) {
                int u = col_idx[e];
                if (level[u] < 0) {
                    level[u] = d;
                    next[count++] = u;
                }
            }
        }
        int *t = frontier;
        frontier = next;
        next = t;
        size = count;
        depth++;
    }
    free(frontier);
    free(next);
    return depth;
}

int main(void) {
    make_graph();
    long total = 0;
    total += levels(0) + checksum(level);
    total += mark();
    total += parents(1) + checksum(level) + checksum(parent);
    total += last_found(2) + checksum(level);
    total += two_values();
    total += short_turns(3) + checksum(level);
    total += read_level(4) + checksum(level);
    printf("%ld\n", total);
    return 0;
}
