// Products of a kernel with few rows and the column matrix of a convolution, line by line (see
// line_block_products.c).
#ifndef WEIGHTED_CONV_LINE_BLOCK_PRODUCTS_H
#define WEIGHTED_CONV_LINE_BLOCK_PRODUCTS_H
#include <stddef.h>

/// out[o·ldOut + l·length + j] = Σ_{r < rows} w[o·rows + r] · x[lineOffsets[l] + taps[r] + j] for
/// o < m, every line l of `lines` and j < length (unit stride along the lines): the product of an
/// m-row kernel with a column matrix read straight from the (padded) input, with no packed copy
/// of the columns — for kernels with few rows, over which packing would not be amortised.
void wc_line_block_products(ptrdiff_t m, const float *w, ptrdiff_t rows, const float *x, const ptrdiff_t *lineOffsets,
                            ptrdiff_t lines, ptrdiff_t length, const ptrdiff_t *taps, float *out, ptrdiff_t ldOut);

#endif
