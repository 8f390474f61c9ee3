/* Single-source shortest paths with Dijkstra's O(V^2) algorithm on a dense adjacency matrix,
 * from SOURCES start vertices. adj[u * n + v] is the weight of edge u->v (1..100), 0 for none. */
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

/* The unvisited vertex with the smallest tentative distance (lowest index on ties), or -1. */
int closest_unvisited(const int *dist, const char *visited, int n) {
    int best = -1;
    int best_dist = INF;
    for (int v = 0; v < n; v++) {
        if (!visited[v] && dist[v] < best_dist) {
            best_dist = dist[v];
            best = v;
        }
    }
    return best;
}

void relax_edges(const int *adj, int *dist, const char *visited, int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[u * n + v];
        if (w > 0 && !visited[v] && dist[u] + w < dist[v])
            dist[v] = dist[u] + w;
    }
}

void dijkstra(const int *adj, int *dist, char *visited, int n, int source) {
    for (int v = 0; v < n; v++) {
        dist[v] = INF;
        visited[v] = 0;
    }
    dist[source] = 0;
    for (int round = 0; round < n; round++) {
        int u = closest_unvisited(dist, visited, n);
        if (u < 0)
            break;
        visited[u] = 1;
        relax_edges(adj, dist, visited, n, u);
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
