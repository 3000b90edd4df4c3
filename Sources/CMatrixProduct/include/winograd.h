// Winograd minimal-filtering transforms for 3 × 3 convolutions with stride 1 (Lavin and Gray,
// "Fast algorithms for convolutional neural networks", 2016): F(m × m, 3 × 3) computes an m × m
// output tile from an α × α input tile, α = m + 2, with α² multiplications per channel pair
// instead of 9·m². Supported tile sizes: m = 2 (α = 4) and m = 4 (α = 6).
//
// Transformed values are stored by transform position ξ = ξ₁·α + ξ₂ (α² rows, `stride` floats
// apart), one lane per tile or per (output, input) channel pair, so that the α² products of a
// layer are ordinary matrix products. The tile functions work on a run of consecutive tiles of
// one tile row of one channel plane, 16 tiles per vector; they read and write whole vectors, so
// every row they write holds at least round_up(tiles, 16) floats.
#ifndef WEIGHTED_CONV_WINOGRAD_H
#define WEIGHTED_CONV_WINOGRAD_H
#include <stddef.h>

/// Floats of scratch the tile functions need for a run of `tiles` tiles.
size_t wc_winograd_scratch(int m, ptrdiff_t tiles);

/// u[ξ·stride + n] = (G · g_n · Gᵀ)[ξ] for the 3 × 3 kernels g_n = g[9n …], n < count.
void wc_winograd_kernel(int m, const float *g, ptrdiff_t count, float *u, ptrdiff_t stride);

/// The adjoint of wc_winograd_kernel: g[9n …] = Gᵀ · U_n · G with U_n[ξ] = u[ξ·stride + n] (overwritten).
void wc_winograd_kernel_adjoint(int m, const float *u, ptrdiff_t stride, ptrdiff_t count, float *g);

/// v[ξ·stride + j] = (Bᵀ · d_j · B)[ξ] for the input tiles d_j, j < tiles: d_j[r][k] =
/// x[(tileRow·m + r − top)·cols + (firstTile + j)·m + k − left] of the rows × cols plane x, zero
/// outside it (the padding).
void wc_winograd_input(int m, const float *x, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t top, ptrdiff_t left,
                       ptrdiff_t tileRow, ptrdiff_t firstTile, ptrdiff_t tiles, float *v, ptrdiff_t stride,
                       float *scratch);

/// Output tiles Aᵀ · M_j · A (M_j[ξ] = mm[ξ·stride + j]) written at y[(tileRow·m + i)·cols +
/// (firstTile + j)·m + i₂] of the rows × cols plane y, clipped to it.
void wc_winograd_output(int m, const float *mm, ptrdiff_t stride, ptrdiff_t tiles, float *y, ptrdiff_t rows,
                        ptrdiff_t cols, ptrdiff_t tileRow, ptrdiff_t firstTile, float *scratch);

/// The adjoint of wc_winograd_output: dm[ξ·stride + j] = (A · ∂Y_j · Aᵀ)[ξ] for the tiles ∂Y_j of
/// the rows × cols plane dy placed as in wc_winograd_output (zero outside the plane).
void wc_winograd_output_adjoint(int m, const float *dy, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t tileRow,
                                ptrdiff_t firstTile, ptrdiff_t tiles, float *dm, ptrdiff_t stride, float *scratch);

#endif
