/* Numbers whose type is a typedef (`typedef double real;`, NAS IS's `typedef int INT_TYPE;`): a
   reduction is judged on the type the typedef names, not on its spelling. Before, each of these
   loops stayed serial with "its type 'real' cannot be an OpenMP reduction" (or, for the histogram,
   an indirect subscript). Near misses stay serial: a typedef'd pointer is no number, and a typedef'd
   enum is left out as enums are. */
#include <stdio.h>

#define N 20000
#define MAX_KEY 512
typedef double real;
typedef int INT_TYPE;
typedef unsigned long counter_t;
typedef real *real_ptr;
typedef enum { LOW, HIGH } level_t;

real x[N];
INT_TYPE key[N], key_buff[MAX_KEY];
real_ptr rows[N];
level_t levels[N];

/* + and max over typedef'd scalars */
real norm(int n, real *peak) {
    real sum = 0.0, mx = 0.0;
    for (int i = 0; i < n; i++) {
        sum += x[i] * x[i];
        if (x[i] > mx)
            mx = x[i];
    }
    *peak = mx;
    return sum;
}

/* an integer count in an unsigned typedef */
counter_t count_high(int n) {
    counter_t c = 0;
    for (int i = 0; i < n; i++)
        c += (counter_t)(key[i] > MAX_KEY / 2);
    return c;
}

/* NAS IS's histogram of keys: an array reduction over a typedef'd int array */
void histogram(int n) {
    for (int i = 0; i < n; i++)
        key_buff[key[i]]++;
}

/* serial: a typedef'd pointer is stepped, not summed */
long pointer_steps(int n) {
    real_ptr p = x;
    for (int i = 0; i < n; i++)
        p += (key[i] & 1);
    return (long)(p - x);
}

/* serial: an enum accumulator is no OpenMP reduction */
level_t any_high(int n) {
    level_t seen = LOW;
    for (int i = 0; i < n; i++)
        seen |= levels[i];
    return seen;
}

int main(void) {
    for (int i = 0; i < N; i++) {
        x[i] = (i % 101) * 0.25;
        key[i] = (i * 37) % MAX_KEY;
        levels[i] = i % 1000 == 999 ? HIGH : LOW;
        rows[i] = &x[i];
    }
    real peak;
    real s = norm(N, &peak);
    printf("norm %.6f %.6f\n", s, peak);
    printf("count_high %lu\n", count_high(N));
    histogram(N);
    long h = 0;
    for (int k = 0; k < MAX_KEY; k++)
        h += (long)key_buff[k] * (k + 1);
    printf("histogram %ld\n", h);
    printf("pointer_steps %ld\n", pointer_steps(N));
    printf("any_high %d\n", (int)any_high(N));
    return 0;
}
