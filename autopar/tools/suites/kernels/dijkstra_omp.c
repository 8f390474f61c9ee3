/* Single-source shortest paths with Dijkstra's O(V^2) algorithm on a dense adjacency matrix,
 * from SOURCES start vertices. adj[u * n + v] is the weight of edge u->v (1..100), 0 for none.
 * Hand-parallelised with OpenMP: one parallel region per search and one pass over the vertices per
 * round, which relaxes the edges of the vertex chosen last and finds the next one at once. Each
 * thread owns the same static share of vertices in every round (OpenMP guarantees it for loops of
 * the same length and schedule in one region), so dist[v] and visited[v] are only touched by their
 * owner. The shares' minima are merged under a critical section into one of three rotating slots
 * (ties go to the lowest index, as in the serial code), so each round needs a single barrier. */
#include "harness.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef V
#define V 4000
#endif
#ifndef SOURCES
#define SOURCES 3
#endif

#define INF INT_MAX

void dijkstra(const int *restrict adj, int *restrict dist, char *restrict visited, int n,
              int source) {
    for (int v = 0; v < n; v++) {
        dist[v] = INF;
        visited[v] = 0;
    }
    dist[source] = 0;
    int best[3] = {source, -1, -1}, best_dist[3] = {0, INF, INF};
#pragma omp parallel
    {
        int u = source;
        for (int round = 0; u >= 0; round++) {
            int du = dist[u];  /* written in an earlier round, before a barrier */
            int my_best = -1, my_dist = INF;
#pragma omp for schedule(static) nowait
            for (int v = 0; v < n; v++) {
                if (visited[v])
                    continue;
                if (v == u) {
                    visited[v] = 1;
                    continue;
                }
                int w = adj[u * n + v];
                if (w > 0 && du + w < dist[v])
                    dist[v] = du + w;
                if (dist[v] < my_dist) {
                    my_dist = dist[v];
                    my_best = v;
                }
            }
            int slot = (round + 1) % 3;
#pragma omp critical
            {
                if (my_best >= 0 && (my_dist < best_dist[slot] ||
                                     (my_dist == best_dist[slot] && my_best < best[slot]))) {
                    best_dist[slot] = my_dist;
                    best[slot] = my_best;
                }
            }
            /* The slot of the round after next was last read before the previous barrier. */
#pragma omp master
            {
                best[(round + 2) % 3] = -1;
                best_dist[(round + 2) % 3] = INF;
            }
#pragma omp barrier
            u = best[slot];
        }
    }
}

int main(void) {
    seed_random(271828);
    int n = V;
    int *adj = malloc(sizeof(int) * (size_t)n * n);
    int *dist = malloc(sizeof(int) * n);
    char *visited = malloc(n);
    if (!adj || !dist || !visited) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    make_matrix_graph(adj, n);

    long long checksum = 0;
    double elapsed = 0.0;
    for (int s = 0; s < SOURCES; s++) {
        int source = (int)((long long)s * 104729 % n);
        double start = now_seconds();
        dijkstra(adj, dist, visited, n, source);
        elapsed += now_seconds() - start;
        for (int v = 0; v < n; v++)
            checksum += (long long)dist[v] * (v % 7 + 1);
    }
    printf("kernel dijkstra\n");
    printf("size V=%d SOURCES=%d\n", n, SOURCES);
    print_int_result(elapsed, checksum);
    free(adj);
    free(dist);
    free(visited);
    return 0;
}
