/* Loop shapes for the loops pass. */
#define N 100
#define REPEAT(k, n) for (int k = 0; k < (n); k++)

int table[N];

void shapes(double *a, int n, int m) {
    int i, j;
    for (i = 0; i <= n; i++)
        a[i] = 0;
    for (int k = n; k > 0; k--)
        a[k] = 1;
    for (int k = n - 1; k >= 0; --k)
        a[k] += 1;
    for (i = 0; i < n; i += 2)
        a[i] = 2;
    for (i = 0; i != n; ++i)
        a[i] = 3;
    for (i = n; i > 0; i -= 3)
        a[i] = 4;
    for (i = 0; i < n; i = i + 4)
        a[i] = 5;
    for (i = 1; i < n; i *= 2)
        a[i] = 6;
    for (; i < n;)
        i++;
    for (i = 0, j = 0; i < n; i++, j++)
        a[i] = j;
    for (i = 0; i < n; i--)
        a[i] = 7;
    for (i = 0; m > i; i++)
        a[i] = 8;
    for (unsigned long u = 0; u < 10u; u++)
        a[u] = 9;
}

int control(int *a, int n) {
    for (int i = 0; i < n; i++) {
        if (a[i] < 0)
            break;
        for (int j = 0; j < n; j++) {
            if (a[j] == 0)
                continue;
            if (a[j] > 100)
                return j;
        }
    }
    for (int i = 0; i < n; i++) {
        switch (a[i]) {
        case 0:
            break;
        default:
            a[i] = 1;
        }
        while (a[i] > 0) {
            a[i]--;
            if (a[i] == 5)
                break;
        }
    }
    for (int i = 0; i < n; i++) {
        if (a[i] == 3)
            goto done;
        n = n - 1;
        i = i + 1;
    }
done:
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            if (a[j] == 7)
                goto next;
            a[j] = 0;
        }
    next:;
    }
    return 0;
}

void nests(double a[N][N], double *b, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[i][j] = b[i * n + j];
        }
    for (int i = 0; i < n; i++) {
        b[i] = 0;
        for (int j = 0; j < i; j++)
            b[i] += a[i][j];
    }
    REPEAT(r, n) b[r] = r;
}
