// A block of up to 8 kernel rows times 48 consecutive output positions of a line, in 24 vector
// accumulators: every column-matrix row is three unaligned loads from the input, every kernel
// element a broadcast. Blocks of positions run outermost so the input they read stays in L1
// for every block of kernel rows. Compiled once per instruction-set tier (tiers.h); below
// AVX-512 the compiler splits each 16-float vector in two (AVX2) or four, and the blocks have
// 2 kernel rows (12 AVX2 accumulators) so that they stay in registers.
#include "line_block_products.h"
#include "tiers.h"
#include <string.h>

#define INLINE __attribute__((always_inline)) static inline
enum { LANES = 16, BLOCK_ROWS = 8, VECTORS = 3, BLOCK_COLUMNS = VECTORS * LANES };

typedef float vec __attribute__((vector_size(4 * LANES), aligned(4)));

INLINE vec load(const float *p) { vec v; memcpy(&v, p, sizeof v); return v; }

/// The `count` (≤ LANES) floats at `p`, the rest zero.
INLINE vec load_part(const float *p, ptrdiff_t count) {
    if (count >= LANES) return load(p);
    float part[LANES] = {0};
    if (count > 0) memcpy(part, p, sizeof(float) * (size_t)count);
    return load(part);
}

static inline ptrdiff_t min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }

// Kernel rows per block at a tier.
INLINE int block_rows(wc_isa tier) { return tier == WC_ISA_AVX512 ? BLOCK_ROWS : 2; }

// out[o·ldOut + j] = Σ_r w[o·rows + r] · x[taps[r] + j] for o < outs (≤ height ≤ BLOCK_ROWS),
// j < count (≤ BLOCK_COLUMNS); kernel rows past `outs` repeat the last one and are not stored.
INLINE void line_block(int height, ptrdiff_t outs, const float *w, ptrdiff_t rows, const float *x,
                       const ptrdiff_t *taps, ptrdiff_t count, float *out, ptrdiff_t ldOut) {
    const float *kernel[BLOCK_ROWS];
    for (int i = 0; i < height; i++) kernel[i] = w + min(i, outs - 1) * rows;
    vec acc[BLOCK_ROWS][VECTORS] = {{{0}}};
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *src = x + taps[r];
        vec b[VECTORS];
        for (int v = 0; v < VECTORS; v++) b[v] = count == BLOCK_COLUMNS ? load(src + v * LANES) : load_part(src + v * LANES, count - v * LANES);
#pragma clang loop unroll(full)
        for (int i = 0; i < height; i++) {
            float weight = kernel[i][r];
#pragma clang loop unroll(full)
            for (int v = 0; v < VECTORS; v++) acc[i][v] += weight * b[v];
        }
    }
    for (ptrdiff_t i = 0; i < outs; i++) {
        float *row = out + i * ldOut;
        if (count == BLOCK_COLUMNS) {
            memcpy(row, acc[i], sizeof acc[i]);
        } else {
            float all[BLOCK_COLUMNS];
            memcpy(all, acc[i], sizeof acc[i]);
            memcpy(row, all, sizeof(float) * (size_t)count);
        }
    }
}

INLINE void wc_line_block_products_body(wc_isa tier, ptrdiff_t m, const float *w, ptrdiff_t rows, const float *x,
                                        const ptrdiff_t *lineOffsets, ptrdiff_t lines, ptrdiff_t length,
                                        const ptrdiff_t *taps, float *out, ptrdiff_t ldOut) {
    const int height = block_rows(tier);
    for (ptrdiff_t l = 0; l < lines; l++)
        for (ptrdiff_t j = 0; j < length; j += BLOCK_COLUMNS)
            for (ptrdiff_t o = 0; o < m; o += height)
                line_block(height, min(height, m - o), w + o * rows, rows, x + lineOffsets[l] + j, taps,
                           min(BLOCK_COLUMNS, length - j), out + o * ldOut + l * length + j, ldOut);
}

WC_TIERED(wc_line_block_products,
          (ptrdiff_t m, const float *w, ptrdiff_t rows, const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines,
           ptrdiff_t length, const ptrdiff_t *taps, float *out, ptrdiff_t ldOut),
          (m, w, rows, x, lineOffsets, lines, length, taps, out, ldOut))
