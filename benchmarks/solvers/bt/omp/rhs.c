/* The right-hand side: fluxes by central differences and fourth-order dissipation along x and z. */
#include "bt.h"

void compute_rhs(void)
{
    int i, j, k, m;
    double rho_inv, uijk, up1, um1;

    #pragma omp parallel for private(i, j, rho_inv)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++) {
                rho_inv = 1.0 / u[k][j][i][0];
                rho_i[k][j][i] = rho_inv;
                qs[k][j][i] = 0.5 * (u[k][j][i][1] * u[k][j][i][1] + u[k][j][i][2] * u[k][j][i][2]
                                     + u[k][j][i][3] * u[k][j][i][3]) * rho_inv;
            }

    #pragma omp parallel for private(i, j, m)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = forcing[k][j][i][m];

    #pragma omp parallel for private(i, j, uijk, up1, um1)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++) {
                uijk = u[k][j][i][1] * rho_i[k][j][i];
                up1 = u[k][j][i + 1][1] * rho_i[k][j][i + 1];
                um1 = u[k][j][i - 1][1] * rho_i[k][j][i - 1];
                rhs[k][j][i][0] = rhs[k][j][i][0] + tx1 * (u[k][j][i + 1][0] - 2.0 * u[k][j][i][0] + u[k][j][i - 1][0])
                                  - tx2 * (u[k][j][i + 1][1] - u[k][j][i - 1][1]);
                rhs[k][j][i][1] = rhs[k][j][i][1] + tx1 * (up1 - 2.0 * uijk + um1)
                                  - tx2 * (u[k][j][i + 1][1] * up1 - u[k][j][i - 1][1] * um1
                                           + qs[k][j][i + 1] - qs[k][j][i - 1]);
                rhs[k][j][i][2] = rhs[k][j][i][2] + tx1 * (u[k][j][i + 1][2] - 2.0 * u[k][j][i][2] + u[k][j][i - 1][2])
                                  - tx2 * (u[k][j][i + 1][2] * up1 - u[k][j][i - 1][2] * um1);
                rhs[k][j][i][3] = rhs[k][j][i][3] + tz1 * (u[k + 1][j][i][3] - 2.0 * u[k][j][i][3] + u[k - 1][j][i][3])
                                  - tz2 * (u[k + 1][j][i][3] - u[k - 1][j][i][3]);
                rhs[k][j][i][4] = rhs[k][j][i][4] + tz1 * (u[k + 1][j][i][4] - 2.0 * u[k][j][i][4] + u[k - 1][j][i][4])
                                  - tz2 * (qs[k + 1][j][i] - qs[k - 1][j][i]);
            }

    #pragma omp parallel for private(i, j, m)
    for (k = 2; k < NZ - 2; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 2; i < NX - 2; i++)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = rhs[k][j][i][m] - dssp *
                        (u[k][j][i - 2][m] - 4.0 * u[k][j][i - 1][m] + 6.0 * u[k][j][i][m]
                         - 4.0 * u[k][j][i + 1][m] + u[k][j][i + 2][m]
                         + u[k - 2][j][i][m] - 4.0 * u[k - 1][j][i][m] + 6.0 * u[k][j][i][m]
                         - 4.0 * u[k + 1][j][i][m] + u[k + 2][j][i][m]);

    #pragma omp parallel for private(i, j, m)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++)
                for (m = 0; m < 5; m++)
                    rhs[k][j][i][m] = rhs[k][j][i][m] * dt;
}
