/* Pull-based PageRank on a CSR graph of incoming edges, ITERS power iterations with damping 0.85.
 * The graph: V vertices, each with DEG pseudo-random out-edges (no self loops), stored transposed
 * (row v lists the vertices that link to v) together with each vertex's out-degree. */
#include "harness.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef V
#define V 500000
#endif
#ifndef DEG
#define DEG 8
#endif
#ifndef ITERS
#define ITERS 15
#endif

/* One power iteration: rank_next[v] = (1 - d) / n + d * sum over in-neighbours u of rank[u] / deg(u).
 * Returns the L1 change. */
double pagerank_iteration(const int *in_ptr, const int *in_idx, const int *out_degree,
                          const double *rank, double *rank_next, int nv, double damping) {
    double change = 0.0;
    for (int v = 0; v < nv; v++) {
        double sum = 0.0;
        for (int e = in_ptr[v]; e < in_ptr[v + 1]; e++) {
            int u = in_idx[e];
            sum += rank[u] / out_degree[u];
        }
        rank_next[v] = (1.0 - damping) / nv + damping * sum;
        double diff = rank_next[v] - rank[v];
        change += diff < 0 ? -diff : diff;
    }
    return change;
}

int main(void) {
    seed_random(314159);
    int nv = V;
    int *in_ptr = malloc(sizeof(int) * (nv + 1));
    int *in_idx = malloc(sizeof(int) * (size_t)nv * DEG);
    int *out_degree = malloc(sizeof(int) * nv);
    double *rank = malloc(sizeof(double) * nv), *rank_next = malloc(sizeof(double) * nv);
    if (!in_ptr || !in_idx || !out_degree || !rank || !rank_next) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    make_in_edge_graph(nv, DEG, in_ptr, in_idx, out_degree);
    for (int v = 0; v < nv; v++)
        rank[v] = 1.0 / nv;

    double change = 0.0;
    double start = now_seconds();
    for (int iter = 0; iter < ITERS; iter++) {
        change = pagerank_iteration(in_ptr, in_idx, out_degree, rank, rank_next, nv, 0.85);
        double *tmp = rank;
        rank = rank_next;
        rank_next = tmp;
    }
    double elapsed = now_seconds() - start;

    double checksum = 0.0;
    for (int v = 0; v < nv; v++)
        checksum += rank[v] * (double)(v % 23 + 1);
    printf("kernel pagerank\n");
    printf("size V=%d DEG=%d ITERS=%d\n", nv, DEG, ITERS);
    print_result(elapsed, checksum);
    printf("checksum %.17g\n", change);
    free(in_ptr);
    free(in_idx);
    free(out_degree);
    free(rank);
    free(rank_next);
    return 0;
}
