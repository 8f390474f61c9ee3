/* Writes that their own condition keeps away from an element (issue 16: Dijkstra's relaxation).
   `if (w > 0 && dist[u] + w < dist[v]) dist[v] = dist[u] + w;` could write dist[u], which every
   iteration reads, only at v == u; there the condition reads one element twice and asks
   dist[u] + w < dist[u] with w > 0, which never holds, so no iteration writes what another reads.
   Near misses stay serial: conditions that can hold there (w may be 0 with <=; 0 < w), and unsigned
   elements (their sums wrap). */
#include <stdio.h>

#define N 3000
int dist[N], adj[N * 64];
unsigned udist[N];
char done[N];

/* Dijkstra's relaxation of the edges of u (a row of 64 weights, 0 for no edge) */
void relax(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[(u % 64) * 64 + v % 64];
        if (w > 0 && !done[v] && dist[u] + w < dist[v])
            dist[v] = dist[u] + w;
    }
}

/* serial: with w == 0 the condition holds at v == u, which writes dist[u] that others read */
void relax_zero_weights(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[(u % 64) * 64 + v % 64] - 1;
        if (w >= 0 && dist[u] + w <= dist[v])
            dist[v] = dist[u] + w - 1;
    }
}

/* serial: unsigned sums wrap, so udist[u] + w < udist[u] can hold */
void relax_unsigned(int n, int u) {
    for (int v = 0; v < n; v++) {
        unsigned w = (unsigned)adj[(u % 64) * 64 + v % 64];
        if (w > 0 && udist[u] + w < udist[v])
            udist[v] = udist[u] + w;
    }
}

/* serial: at v == u the condition reads 0 < w, which holds: dist[u] is written and read by others */
void relax_reversed(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[(u % 64) * 64 + v % 64];
        if (w > 0 && dist[u] < dist[v] + w)
            dist[v] = dist[u] - w;
    }
}

static void reset(void) {
    for (int v = 0; v < N; v++) {
        dist[v] = 1000000 + (v * 37) % 1000;
        udist[v] = 4000000000u + (unsigned)((v * 37) % 1000);
        done[v] = (char)(v % 5 == 0);
    }
    dist[7] = 5;
    udist[7] = 4294967290u;
}

static long checksum(void) {
    long s = 0;
    for (int v = 0; v < N; v++)
        s += (long)dist[v] * (v % 7 + 1) + (long)(udist[v] % 1000) * (v % 3 + 1);
    return s;
}

int main(void) {
    for (int i = 0; i < N * 64; i++)
        adj[i] = (i * 31 + 7) % 5;  /* weights 0..4: some edges missing */
    reset(); relax(N, 7); printf("relax %ld\n", checksum());
    reset(); relax_zero_weights(N, 7); printf("relax_zero_weights %ld\n", checksum());
    reset(); relax_unsigned(N, 7); printf("relax_unsigned %ld\n", checksum());
    reset(); relax_reversed(N, 7); printf("relax_reversed %ld\n", checksum());
    return 0;
}
