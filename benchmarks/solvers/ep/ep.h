/* An embarrassingly parallel kernel as NAS EP writes it: pairs of uniform pseudorandom numbers
   from the linear congruential generator of randdp.c, turned into Gaussian deviates, counted in
   square annuli. The main loop times its parts through timers.c when the file timer.flag exists. */
#ifndef EP_H
#define EP_H

#ifndef M
#define M 24
#endif
#define MK 16
#define MM (M - MK)
#define NN (1 << MM)
#define NK (1 << MK)
#define NQ 10
#define A 1220703125.0
#define S 271828183.0

double randlc(double *x, double a);
void vranlc(int n, double *x, double a, double y[]);
void timer_clear(int n);
void timer_start(int n);
void timer_stop(int n);
double timer_read(int n);
double wall_time(void);

#endif
