/* The driver and the main loop, as NAS EP writes them (serial). Prints the time of the main loop,
   the sums of the deviates and the counts per annulus. */
#include <stdio.h>
#include <math.h>
#include "ep.h"

#define MAX(a,b) (((a) > (b)) ? (a) : (b))

static double x[2 * NK];
static double q[NQ];
int timers_enabled;

int main(void)
{
  double t1, t2, t3, t4, x1, x2;
  double sx, sy, tm, an, gc;
  double dum[3] = {1.0, 1.0, 1.0};
  int np;
  int i, ik, kk, l, k;
  int k_offset;
  FILE *fp;

  if ((fp = fopen("timer.flag", "r")) == NULL) {
    timers_enabled = 0;
  } else {
    timers_enabled = 1;
    fclose(fp);
  }
  np = NN;
  vranlc(0, &dum[0], dum[1], &dum[2]);
  dum[0] = randlc(&dum[1], dum[2]);
  for (i = 0; i < 2 * NK; i++) {
    x[i] = -1.0e99;
  }
  timer_clear(0);
  timer_clear(1);
  timer_clear(2);
  timer_start(0);
  t1 = A;
  vranlc(0, &t1, A, x);
  t1 = A;
  for (i = 0; i < MK + 1; i++) {
    t2 = randlc(&t1, t1);
  }
  an = t1;
  gc = 0.0;
  sx = 0.0;
  sy = 0.0;
  for (i = 0; i < NQ; i++) {
    q[i] = 0.0;
  }
  k_offset = -1;
  for (k = 1; k <= np; k++) {
    kk = k_offset + k;
    t1 = S;
    t2 = an;
    for (i = 1; i <= 100; i++) {
      ik = kk / 2;
      if ((2 * ik) != kk) t3 = randlc(&t1, t2);
      if (ik == 0) break;
      t3 = randlc(&t2, t2);
      kk = ik;
    }
    if (timers_enabled) timer_start(2);
    vranlc(2 * NK, &t1, A, x);
    if (timers_enabled) timer_stop(2);
    if (timers_enabled) timer_start(1);
    for (i = 0; i < NK; i++) {
      x1 = 2.0 * x[2*i] - 1.0;
      x2 = 2.0 * x[2*i+1] - 1.0;
      t1 = x1 * x1 + x2 * x2;
      if (t1 <= 1.0) {
        t2   = sqrt(-2.0 * log(t1) / t1);
        t3   = (x1 * t2);
        t4   = (x2 * t2);
        l    = MAX(fabs(t3), fabs(t4));
        q[l] = q[l] + 1.0;
        sx   = sx + t3;
        sy   = sy + t4;
      }
    }
    if (timers_enabled) timer_stop(1);
  }
  for (i = 0; i < NQ; i++) {
    gc = gc + q[i];
  }
  timer_stop(0);
  tm = timer_read(0);
  printf("time_s %.6f\n", tm);
  printf("pairs %.0f\nsx %.15e\nsy %.15e\n", gc, sx, sy);
  for (i = 0; i < NQ; i++) printf("q%d %.0f\n", i, q[i]);
  if (timers_enabled) printf("random_s %.6f\ngaussian_s %.6f\n", timer_read(2), timer_read(1));
  return 0;
}
