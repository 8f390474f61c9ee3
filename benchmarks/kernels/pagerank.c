/* Pull-based PageRank on a CSR graph of incoming edges, ITERS power iterations with damping 0.85.
 * The graph: V vertices, each with DEG pseudo-random out-edges (no self loops), stored transposed
 * (row v lists the vertices that link to v) together with each vertex's out-degree. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef V
#define V 500000
#endif
#ifndef DEG
#define DEG 8
#endif
#ifndef ITERS
#define ITERS 15
#endif

static unsigned long long seed = 314159;

static unsigned next_random(void) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(seed >> 33);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Builds the in-edge CSR (in_ptr, in_idx) and out_degree from DEG random out-edges per vertex. */
static void make_graph(int nv, int deg, int *in_ptr, int *in_idx, int *out_degree) {
    int *src = malloc(sizeof(int) * (size_t)nv * deg), *dst = malloc(sizeof(int) * (size_t)nv * deg);
    int *fill = calloc((size_t)nv + 1, sizeof(int));
    int ne = 0;
    for (int v = 0; v < nv; v++) {
        out_degree[v] = deg;
        for (int d = 0; d < deg; d++) {
            int u = (int)(next_random() % (unsigned)nv);
            if (u == v)
                u = (u + 1) % nv;
            src[ne] = v;
            dst[ne] = u;
            ne++;
        }
    }
    for (int e = 0; e < ne; e++)
        fill[dst[e] + 1]++;
    for (int v = 0; v < nv; v++)
        fill[v + 1] += fill[v];
    for (int v = 0; v <= nv; v++)
        in_ptr[v] = fill[v];
    for (int e = 0; e < ne; e++)
        in_idx[fill[dst[e]]++] = src[e];
    free(src);
    free(dst);
    free(fill);
}

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
    int nv = V;
    int *in_ptr = malloc(sizeof(int) * (nv + 1));
    int *in_idx = malloc(sizeof(int) * (size_t)nv * DEG);
    int *out_degree = malloc(sizeof(int) * nv);
    double *rank = malloc(sizeof(double) * nv), *rank_next = malloc(sizeof(double) * nv);
    if (!in_ptr || !in_idx || !out_degree || !rank || !rank_next) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    make_graph(nv, DEG, in_ptr, in_idx, out_degree);
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
    printf("time_s %.6f\n", elapsed);
    printf("checksum %.17g\n", checksum);
    printf("checksum %.17g\n", change);
    free(in_ptr);
    free(in_idx);
    free(out_degree);
    free(rank);
    free(rank_next);
    return 0;
}
