/* A structured-grid solver in the style of the NAS SP benchmark: five solution components on a
   3-D grid (u[k][j][i][m]), a right-hand side from fourth-order dissipation and central
   differences, and approximate-factorization sweeps along x, y and z, each a tridiagonal solve
   along one direction (a recurrence) for every line of the other two. Old C, split over files. */
#ifndef ADI_H
#define ADI_H

#ifndef GRID
#define GRID 48
#endif
#ifndef STEPS
#define STEPS 20
#endif
#define NX GRID
#define NY GRID
#define NZ GRID

extern double u[NZ][NY][NX][5], rhs[NZ][NY][NX][5], forcing[NZ][NY][NX][5];
extern double rho_i[NZ][NY][NX], speed[NZ][NY][NX];
extern double dt, dssp, tx, ty, tz;

void initialize(void);
void compute_rhs(void);
void x_solve(void);
void y_solve(void);
void z_solve(void);
void add(void);
double checksum(void);

#endif
