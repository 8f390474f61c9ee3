/* A conjugate-gradient solver in the style of the NAS CG benchmark (old C: globals, counters
   declared at the top of each function), split over three files as such programs are. */
#ifndef CG_H
#define CG_H

#ifndef NA
#define NA 60000
#endif
#define NONZER 11
#define NZ (NA * (NONZER + 1))
#ifndef NITER
#define NITER 15
#endif
#define CGITMAX 25
#define SHIFT 20.0

extern int rowstr[NA + 1], colidx[NZ];
extern double a[NZ];
extern double x[NA], z[NA], p[NA], q[NA], r[NA];

void makea(int n);
void matvec(int n, const double *v, double *w);
double dot(int n, const double *u, const double *v);
void axpy(int n, double alpha, const double *u, double *v);
void xpay(int n, const double *u, double beta, double *v);
void scale_copy(int n, double s, const double *u, double *v);

#endif
