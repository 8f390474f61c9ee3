/* A block-tridiagonal solver in the style of the NAS BT benchmark: five coupled components on a
   3-D grid (u[k][j][i][m]), a right-hand side from central differences and dissipation, and
   line solves along x and z whose every point is a 5x5 block: the Jacobians are built in work
   arrays indexed by the line's point, and small routines of the same file invert, multiply and
   subtract the blocks through their array arguments. Old C, split over files. */
#ifndef BT_H
#define BT_H

#ifndef GRID
#define GRID 24
#endif
#ifndef STEPS
#define STEPS 60
#endif
#define NX GRID
#define NY GRID
#define NZ GRID

extern double u[NZ][NY][NX][5], rhs[NZ][NY][NX][5], forcing[NZ][NY][NX][5];
extern double rho_i[NZ][NY][NX], qs[NZ][NY][NX];
extern double dt, tx1, tx2, tz1, tz2, dssp;

void compute_rhs(void);
void x_solve(void);
void z_solve(void);

#endif
