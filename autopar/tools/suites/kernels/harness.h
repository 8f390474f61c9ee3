/* The driver code that the benchmark kernels share: a seeded pseudo-random generator, a timer, the
 * result lines that `autopar bench` and `autopar verify` read, and the kernels' input graphs.
 * Each kernel function itself stays in its own file. Include this header first: it selects POSIX
 * for clock_gettime. A rewritten copy of a kernel written elsewhere is compiled with
 * `-I benchmarks/kernels`. */
#ifndef AUTOPAR_KERNEL_HARNESS_H
#define AUTOPAR_KERNEL_HARNESS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ---------------------------------------------------------------------------- pseudo-random input */

/* A 64-bit linear congruential generator. Every kernel seeds it with its own constant, so its input
 * is the same on every run and in every build (serial, rewritten, reference). */
static unsigned long long random_state = 1;

static inline void seed_random(unsigned long long seed) {
    random_state = seed;
}

static inline unsigned long long next_random_state(void) {
    random_state = random_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return random_state;
}

/* Uniform in [0, 1), 53 random bits. */
static inline double random_double(void) {
    return (double)(next_random_state() >> 11) / 9007199254740992.0;
}

/* Uniform in [0, 1), 24 random bits. */
static inline float random_float(void) {
    return (float)((next_random_state() >> 40) / 16777216.0);
}

/* Uniform in [-1, 1). */
static inline float random_signed_float(void) {
    return random_float() * 2.0f - 1.0f;
}

/* 31 random bits. */
static inline unsigned random_unsigned(void) {
    return (unsigned)(next_random_state() >> 33);
}

/* ----------------------------------------------------------------------------- timing and results */

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The lines the bench and the verifier compare and time: `time_s` is the kernel alone, and the
 * checksum is printed with every digit a double has. */
static inline void print_result(double elapsed, double checksum) {
    printf("time_s %.9f\n", elapsed);
    printf("checksum %.17g\n", checksum);
}

static inline void print_int_result(double elapsed, long long checksum) {
    printf("time_s %.9f\n", elapsed);
    printf("checksum %lld\n", checksum);
}

/* -------------------------------------------------------------------------------------- graphs */

/* A CSR graph of nv vertices: the neighbours of v are col_idx[row_ptr[v] .. row_ptr[v + 1] - 1]:
 * an edge to its successor, so every vertex is reachable, then deg random out-edges.
 * col_idx holds nv * (deg + 1) entries. */
static inline void make_csr_graph(int nv, int deg, int *row_ptr, int *col_idx) {
    int e = 0;
    for (int v = 0; v < nv; v++) {
        row_ptr[v] = e;
        col_idx[e++] = (v + 1) % nv;
        for (int d = 0; d < deg; d++)
            col_idx[e++] = (int)(random_unsigned() % (unsigned)nv);
    }
    row_ptr[nv] = e;
}

/* deg random out-edges per vertex (no self loops), stored transposed: the in-edge CSR (in_ptr,
 * in_idx), where row v lists the vertices that link to v, and each vertex's out-degree. */
static inline void make_in_edge_graph(int nv, int deg, int *in_ptr, int *in_idx, int *out_degree) {
    int *src = malloc(sizeof(int) * (size_t)nv * deg), *dst = malloc(sizeof(int) * (size_t)nv * deg);
    int *fill = calloc((size_t)nv + 1, sizeof(int));
    int ne = 0;
    for (int v = 0; v < nv; v++) {
        out_degree[v] = deg;
        for (int d = 0; d < deg; d++) {
            int u = (int)(random_unsigned() % (unsigned)nv);
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

/* A weighted adjacency matrix: adj[u * n + v] is the weight of u->v (1..100), 0 for none. About
 * one edge in four, plus a ring so that every vertex is reachable. */
static inline void make_matrix_graph(int *adj, int n) {
    for (int u = 0; u < n; u++)
        for (int v = 0; v < n; v++)
            adj[u * n + v] = (u != v && random_unsigned() % 4 == 0) ? (int)(random_unsigned() % 100 + 1) : 0;
    for (int u = 0; u < n; u++)
        if (adj[u * n + (u + 1) % n] == 0)
            adj[u * n + (u + 1) % n] = 100;
}

#endif
