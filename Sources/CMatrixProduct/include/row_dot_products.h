// Small matrix products with a long depth, as dot products of rows (see row_dot_products.c).
#ifndef WEIGHTED_CONV_ROW_DOT_PRODUCTS_H
#define WEIGHTED_CONV_ROW_DOT_PRODUCTS_H
#include <stddef.h>

/// c[i·ldc + j] += Σ_{t < depth} a[aRows[i] + t] · b[bRows[j] + t] for i < m, j < n: the product
/// of the m rows of A with the n rows of B (each row `depth` consecutive floats at its offset),
/// computed as dot products in 4 × 4 register blocks. For results with few rows (a kernel
/// gradient with few output channels), whose matrix-product tiles would be mostly empty.
void wc_row_dot_products(ptrdiff_t m, ptrdiff_t n, ptrdiff_t depth, const float *a, const ptrdiff_t *aRows,
                         const float *b, const ptrdiff_t *bRows, float *c, ptrdiff_t ldc);

#endif
