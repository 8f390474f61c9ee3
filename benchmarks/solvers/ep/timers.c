/* Wall-clock timers, as NAS's c_timers.c. */
#define _POSIX_C_SOURCE 199309L
#include <time.h>
#include "ep.h"

static double start[64], elapsed[64];

double wall_time(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

void timer_clear(int n) { elapsed[n] = 0.0; }
void timer_start(int n) { start[n] = wall_time(); }
void timer_stop(int n) { elapsed[n] += wall_time() - start[n]; }
double timer_read(int n) { return elapsed[n]; }
