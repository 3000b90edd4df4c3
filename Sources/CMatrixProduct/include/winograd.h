// Winograd minimal-filtering transforms for convolutions with stride 1 (Lavin and Gray, "Fast
// algorithms for convolutional neural networks", 2016), for 1, 2 or 3 spatial axes. The 1-D
// algorithm F(m, r) computes m outputs of an r-tap kernel from α = m + r − 1 inputs with α
// multiplications; the N-D one, F(m × … × m, r × … × r), applies the 1-D transform along each
// axis in turn (α^N multiplications per channel pair instead of r^N·m^N).
//
// Arrays are seen as rank-3 planes (size[0] × size[1] × size[2], row-major): a layer of rank N
// < 3 has leading axes of size 1, on which tiles are 1 wide and the transforms are the identity.
// Transformed values are stored by transform position ξ (row-major over the N tiled axes, α^N
// rows, `stride` floats apart), one lane per tile or per (output, input) channel pair, so that
// the α^N products of a layer are ordinary matrix products. The tile functions work on the tiles
// of one channel plane in a block of runs (lanes), 16 tiles per vector; they read and write
// whole vectors, so every row they write holds at least round_up(tiles, 16) floats.
#ifndef WEIGHTED_CONV_WINOGRAD_H
#define WEIGHTED_CONV_WINOGRAD_H
#include <stddef.h>

/// The 1-D algorithms, F(m, r): m outputs of an r-tap kernel per α = m + r − 1 inputs.
typedef enum {
    WC_WINOGRAD_F2_3, ///< F(2, 3): points 0, ±1, ∞ (α = 4).
    WC_WINOGRAD_F4_3, ///< F(4, 3): points 0, ±1, ±2, ∞ (α = 6).
    WC_WINOGRAD_F2_5, ///< F(2, 5): points 0, ±1, ±2, ∞ (α = 6).
    WC_WINOGRAD_F3_5, ///< F(3, 5): points 0, ±1, ±2, 1/2, ∞ (α = 7).
    WC_WINOGRAD_F4_5, ///< F(4, 5): points 0, ±1, ±2, ±1/2, ∞ (α = 8).
} wc_winograd_algorithm;

/// The layout of one convolution: the algorithm, the tiled axes (the last `rank` of three),
/// the input and output plane sizes and the low (leading) zero padding per axis.
typedef struct {
    int algorithm, rank;
    ptrdiff_t input[3], output[3], pad[3];
} wc_winograd_layout;

/// A run of consecutive tiles along the last axis: `count` tiles from tile `firstTile`, at tile
/// `tile[0]`, `tile[1]` of the leading axes, in the plane `offset` floats after the one passed
/// (the image's). A block's runs take consecutive lanes, in order.
typedef struct {
    ptrdiff_t offset, tile[2], firstTile, count;
} wc_tile_run;

/// Floats of scratch the tile functions need for `tiles` lanes. Layouts need α^rank ≤ 216.
size_t wc_winograd_scratch(const wc_winograd_layout *layout, ptrdiff_t tiles);

/// u[ξ·stride + n] = (G ⊗ … ⊗ G · g_n)[ξ] for the r^N kernels g_n = g[r^N·n …], n < count.
void wc_winograd_kernel(const wc_winograd_layout *layout, const float *g, ptrdiff_t count, float *u, ptrdiff_t stride);

/// The adjoint of wc_winograd_kernel: g[r^N·n …] = (Gᵀ ⊗ … ⊗ Gᵀ · U_n) with U_n[ξ] = u[ξ·stride + n]
/// (overwritten).
void wc_winograd_kernel_adjoint(const wc_winograd_layout *layout, const float *u, ptrdiff_t stride, ptrdiff_t count,
                                float *g);

/// v[ξ·stride + lane] = (Bᵀ ⊗ … ⊗ Bᵀ · d)[ξ] for the input tile d of every tile of the runs: the
/// α^N window of x whose first element is at tile·m − pad on every axis, zero outside the plane.
void wc_winograd_input(const wc_winograd_layout *layout, const float *x, const wc_tile_run *runs, ptrdiff_t runCount,
                       float *v, ptrdiff_t stride, float *scratch);

/// The output tiles (Aᵀ ⊗ … ⊗ Aᵀ · M) (M[ξ] = mm[ξ·stride + lane]) of the runs, written into the
/// output plane y at tile·m on every axis, clipped to it.
void wc_winograd_output(const wc_winograd_layout *layout, const float *mm, ptrdiff_t stride, float *y,
                        const wc_tile_run *runs, ptrdiff_t runCount, float *scratch);

/// The adjoint of wc_winograd_output: dm[ξ·stride + lane] = (A ⊗ … ⊗ A · ∂Y)[ξ] for the tiles ∂Y
/// of the output plane dy placed as in wc_winograd_output (zero outside the plane).
void wc_winograd_output_adjoint(const wc_winograd_layout *layout, const float *dy, const wc_tile_run *runs,
                                ptrdiff_t runCount, float *dm, ptrdiff_t stride, float *scratch);

/// The kernel-gradient products of a block: du[ξ·cout·cin + o·cin + c] += Σ_{t < tiles}
/// dm[(ξ·cout + o)·lanes + t] · v[(ξ·cin + c)·lanes + t] for every transform position ξ < positions
/// (∂U_ξ += ∂M_ξ · V_ξᵀ with few channels: dot products of rows rather than a matrix product,
/// whose tiles would be mostly empty for a 16 × 16 result).
void wc_winograd_kernel_gradient(const float *dm, const float *v, ptrdiff_t lanes, ptrdiff_t tiles, ptrdiff_t positions,
                                 int cout, int cin, float *du);

#endif
