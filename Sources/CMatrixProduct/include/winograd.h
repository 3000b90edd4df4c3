// Winograd minimal-filtering transforms for 3 × 3 convolutions with stride 1 (Lavin and Gray,
// "Fast algorithms for convolutional neural networks", 2016): F(m × m, 3 × 3) computes an m × m
// output tile from an α × α input tile, α = m + 2, with α² multiplications per channel pair
// instead of 9·m². Supported tile sizes: m = 2 (α = 4) and m = 4 (α = 6).
//
// Transformed values are stored by transform position ξ = ξ₁·α + ξ₂ (α² rows, `stride` floats
// apart), one lane per tile or per (output, input) channel pair, so that the α² products of a
// layer are ordinary matrix products. The tile functions work on the tiles of one channel plane
// in a block of runs (lanes), 16 tiles per vector; they read and write whole vectors, so every
// row they write holds at least round_up(tiles, 16) floats.
#ifndef WEIGHTED_CONV_WINOGRAD_H
#define WEIGHTED_CONV_WINOGRAD_H
#include <stddef.h>

/// A run of consecutive tiles of one tile row: `count` tiles from column `firstTile` of tile row
/// `tileRow`, in the plane `offset` floats after the one passed (the image's). A block's runs
/// take consecutive lanes, in order.
typedef struct {
    ptrdiff_t offset, tileRow, firstTile, count;
} wc_tile_run;

/// Floats of scratch the tile functions need for `tiles` lanes.
size_t wc_winograd_scratch(int m, ptrdiff_t tiles);

/// u[ξ·stride + n] = (G · g_n · Gᵀ)[ξ] for the 3 × 3 kernels g_n = g[9n …], n < count.
void wc_winograd_kernel(int m, const float *g, ptrdiff_t count, float *u, ptrdiff_t stride);

/// The adjoint of wc_winograd_kernel: g[9n …] = Gᵀ · U_n · G with U_n[ξ] = u[ξ·stride + n] (overwritten).
void wc_winograd_kernel_adjoint(int m, const float *u, ptrdiff_t stride, ptrdiff_t count, float *g);

/// v[ξ·stride + lane] = (Bᵀ · d · B)[ξ] for the input tile d of every tile of the runs: tile j of
/// a run reads d[r][k] = x[offset + (tileRow·m + r − top)·cols + (firstTile + j)·m + k − left]
/// within the rows × cols plane, zero outside it (the padding).
void wc_winograd_input(int m, const float *x, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t top, ptrdiff_t left,
                       const wc_tile_run *runs, ptrdiff_t runCount, float *v, ptrdiff_t stride, float *scratch);

/// The output tiles Aᵀ · M · A (M[ξ] = mm[ξ·stride + lane]) of the runs, written at
/// y[offset + (tileRow·m + i)·cols + (firstTile + j)·m + q] of the rows × cols plane, clipped to it.
void wc_winograd_output(int m, const float *mm, ptrdiff_t stride, float *y, ptrdiff_t rows, ptrdiff_t cols,
                        const wc_tile_run *runs, ptrdiff_t runCount, float *scratch);

/// The adjoint of wc_winograd_output: dm[ξ·stride + lane] = (A · ∂Y · Aᵀ)[ξ] for the tiles ∂Y of the
/// plane dy placed as in wc_winograd_output (zero outside the plane).
void wc_winograd_output_adjoint(int m, const float *dy, ptrdiff_t rows, ptrdiff_t cols, const wc_tile_run *runs,
                                ptrdiff_t runCount, float *dm, ptrdiff_t stride, float *scratch);

#endif
