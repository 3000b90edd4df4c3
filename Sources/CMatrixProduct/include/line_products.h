// Products of a single kernel row with the column matrix of a convolution, line by line: the
// depthwise convolutions (one output channel per group), where a matrix product would have a
// single row. The input is read through offsets into its zero-padded copy, as in
// wc_sgemm_gathered: output position j of line l reads x[lineOffsets[l] + taps[q] + j·stride]
// at kernel tap q. Compiled once per instruction-set tier (instruction_set.h).
#ifndef WEIGHTED_CONV_LINE_PRODUCTS_H
#define WEIGHTED_CONV_LINE_PRODUCTS_H
#include <stddef.h>

/// out[l·length + j] = Σ_q w[q] · x[lineOffsets[l] + taps[q] + j·stride] for every line l of
/// `lines` and j < length.
void wc_line_products(const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines, ptrdiff_t length, ptrdiff_t stride,
                      const ptrdiff_t *taps, ptrdiff_t tapCount, const float *w, float *out);

/// gradW[q] += Σ_l Σ_j gradOut[l·length + j] · x[lineOffsets[l] + taps[q] + j·stride].
void wc_line_correlations(const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines, ptrdiff_t length,
                          ptrdiff_t stride, const ptrdiff_t *taps, ptrdiff_t tapCount, const float *gradOut,
                          float *gradW);

#endif
