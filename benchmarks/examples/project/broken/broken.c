/* A real compile error, for the wrapper's tests: its message and exit code must come through. */
int twice(int x) {
    return 2 * x + undeclared_name;
}
