/* Percentiles (linear interpolation between ranks, numpy's default, as the harness computes them). */
#include "floor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double percentile(const double *samples, int n, double percent)
{
    double *sorted = malloc(sizeof(double) * (size_t)n);
    memcpy(sorted, samples, sizeof(double) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(double), compare_doubles);
    double rank = percent / 100 * (n - 1);
    int lower = (int)rank;
    int upper = lower + 1 < n ? lower + 1 : n - 1;
    double value = sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
    free(sorted);
    return value;
}

void print_json_array(const double *v, int n)
{
    putchar('[');
    for (int i = 0; i < n; i++)
        printf(i ? ", %.4f" : "%.4f", v[i]);
    putchar(']');
}
