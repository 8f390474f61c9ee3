/* A GNU C nested function: gcc compiles it, clang's parser rejects it, so the analysis of this file
   fails. autopar-cc must still build it (unchanged) and say so in one warning line. */
#include "vec.h"

double integrate(int n) {
    double f(double x) { return x * x; }
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += f((i + 0.5) / n) / n;
    return sum;
}
