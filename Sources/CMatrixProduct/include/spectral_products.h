// Complex matrix products at 16 frequencies at once: the channel sums of an FFT convolution.
// An element holds one complex value per frequency of a block of 16 as 32 floats, the 16 real
// parts then the 16 imaginary parts; the product C = A · op(B) is computed lane by lane, each
// lane being an independent small complex matrix product (one frequency). Matrices are addressed
// by strides in floats, so the same kernel reads row-major, transposed or channel-strided views.
// Compiled once per instruction-set tier (instruction_set.h).
#ifndef WEIGHTED_CONV_SPECTRAL_PRODUCTS_H
#define WEIGHTED_CONV_SPECTRAL_PRODUCTS_H
#include <stddef.h>

/// Frequencies per element (an element is 2 · WC_SPECTRAL_LANES floats).
enum { WC_SPECTRAL_LANES = 16 };

/// Strides in floats of a matrix of elements: element (i, p) starts `i·row + p·depth` floats after
/// the matrix's first, and the same matrix at the next block of frequencies `block` floats later.
typedef struct {
    ptrdiff_t row, depth, block;
} wc_spectral_strides;

/// For each of `blocks` blocks of frequencies: C(i, j) = Σ_p A(i, p) · op(B(j, p)) for i < m,
/// j < n, p < k, lane by lane, with op(z) = conj(z) when `conjugateB` is non-zero, else z. B's
/// strides are those of its elements (j, p), C's of (i, j); C is overwritten.
void wc_spectral_product(ptrdiff_t blocks, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                         wc_spectral_strides as, const float *b, wc_spectral_strides bs, int conjugateB, float *c,
                         wc_spectral_strides cs);

#endif
