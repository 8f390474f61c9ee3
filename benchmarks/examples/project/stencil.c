/* Grid sweeps: out of place (parallel) and in place (a true dependence: serial). */
#include "vec.h"

void jacobi(double out[GRID][GRID], double in[GRID][GRID]) {
    for (int i = 1; i < GRID - 1; i++)
        for (int j = 1; j < GRID - 1; j++)
            out[i][j] = 0.25 * (in[i - 1][j] + in[i + 1][j] + in[i][j - 1] + in[i][j + 1]);
}

void gauss_seidel(double g[GRID][GRID]) {
    for (int i = 1; i < GRID - 1; i++)
        for (int j = 1; j < GRID - 1; j++)
            g[i][j] = 0.25 * (g[i - 1][j] + g[i + 1][j] + g[i][j - 1] + g[i][j + 1]);
}
