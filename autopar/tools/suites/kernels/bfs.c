/* Level-synchronous breadth-first search on a CSR graph, from SOURCES different start vertices.
 * The graph: V vertices, each with DEG pseudo-random out-edges plus an edge to its successor, so
 * every vertex is reachable. The result is each vertex's level (hop distance). */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef V
#define V 1000000
#endif
#ifndef DEG
#define DEG 8
#endif
#ifndef SOURCES
#define SOURCES 4
#endif

/* Returns the number of levels. level[v] = -1 for vertices not reached. */
int bfs(const int *row_ptr, const int *col_idx, int nv, int source, int *level, int *frontier,
        int *next) {
    for (int v = 0; v < nv; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int frontier_size = 1;
    int depth = 0;
    while (frontier_size > 0) {
        int next_size = 0;
        for (int i = 0; i < frontier_size; i++) {
            int v = frontier[i];
            for (int e = row_ptr[v]; e < row_ptr[v + 1]; e++) {
                int u = col_idx[e];
                if (level[u] < 0) {
                    level[u] = depth + 1;
                    next[next_size++] = u;
                }
            }
        }
        int *tmp = frontier;
        frontier = next;
        next = tmp;
        frontier_size = next_size;
        depth++;
    }
    return depth;
}

int main(void) {
    seed_random(12345);
    int nv = V;
    int *row_ptr = malloc(sizeof(int) * (nv + 1));
    int *col_idx = malloc(sizeof(int) * (size_t)nv * (DEG + 1));
    int *level = malloc(sizeof(int) * nv);
    int *frontier = malloc(sizeof(int) * nv), *next = malloc(sizeof(int) * nv);
    if (!row_ptr || !col_idx || !level || !frontier || !next) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    make_csr_graph(nv, DEG, row_ptr, col_idx);

    long long checksum = 0;
    double elapsed = 0.0;
    for (int s = 0; s < SOURCES; s++) {
        int source = (int)((long long)s * 7919 % nv);
        double start = now_seconds();
        int depth = bfs(row_ptr, col_idx, nv, source, level, frontier, next);
        elapsed += now_seconds() - start;
        checksum += depth;
        for (int v = 0; v < nv; v++)
            checksum += (long long)level[v] * (v % 3 + 1);
    }
    printf("kernel bfs\n");
    printf("size V=%d DEG=%d SOURCES=%d\n", nv, DEG, SOURCES);
    print_int_result(elapsed, checksum);
    free(row_ptr);
    free(col_idx);
    free(level);
    free(frontier);
    free(next);
    return 0;
}
