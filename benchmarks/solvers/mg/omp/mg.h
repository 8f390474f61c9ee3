/* A multigrid solver in the style of the NAS MG benchmark: V-cycles of restriction (rprj3),
   smoothing (psinv), prolongation (interp) and residuals (resid) on a hierarchy of 3-D grids with
   periodic boundaries (comm3). Every level lives in one array at its own offset (ir[k]) and each
   routine sees it through a pointer to a variably modified array, as the NAS C version does, so
   the routines' arrays may alias as far as the compiler knows: in the V-cycle, resid is called
   with the same array as its input and its output. Old C, split over files. */
#ifndef MG_H
#define MG_H

#ifndef LT
#define LT 7
#endif
#ifndef CYCLES
#define CYCLES 20
#endif
#define NG ((1 << LT) + 2)        /* the finest grid, boundary planes included */
#define NM (NG * NG * NG)
#define NR (NM + NM / 4)          /* every level, finest first */

extern double u[NR], v[NR], r[NR];
extern int m1[LT + 1], m2[LT + 1], m3[LT + 1], ir[LT + 1];

void resid(void *ou, void *ov, void *or, int n1, int n2, int n3, double a[4]);
void psinv(void *or, void *ou, int n1, int n2, int n3, double c[4]);
void rprj3(void *or, int m1k, int m2k, int m3k, void *os, int m1j, int m2j, int m3j);
void interp(void *oz, int mm1, int mm2, int mm3, void *ou, int n1, int n2, int n3);
void comm3(void *ou, int n1, int n2, int n3);
void zero3(void *oz, int n1, int n2, int n3);
void norm2u3(void *or, int n1, int n2, int n3, double *rnm2, double *rnmu);

#endif
