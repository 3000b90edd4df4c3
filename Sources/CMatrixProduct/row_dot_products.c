// Dot products of rows in 4 × 4 register blocks: 16 vector accumulators over the depth, reduced
// once per block at the end, the tail of the depth masked to zero. Compiled once per
// instruction-set tier (tiers.h); below AVX-512 the compiler splits each 16-float vector.
#include "row_dot_products.h"
#include "tiers.h"
#include <string.h>

#define INLINE __attribute__((always_inline)) static inline
enum { LANES = 16, BLOCK = 4 };

typedef float vec __attribute__((vector_size(4 * LANES), aligned(4)));

INLINE vec load(const float *p) { vec v; memcpy(&v, p, sizeof v); return v; }

static inline ptrdiff_t min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }

// The sums of the lanes of 16 vectors, as one vector (lane i holds the sum of v[i]): a tree of
// shuffles that halves the partial sums of each vector at every level.
INLINE vec reduce16(vec *v) {
    for (int k = 0; k < 8; k++)
        v[k] = __builtin_shufflevector(v[2 * k], v[2 * k + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
               __builtin_shufflevector(v[2 * k], v[2 * k + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    for (int k = 0; k < 4; k++)
        v[k] = __builtin_shufflevector(v[2 * k], v[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
               __builtin_shufflevector(v[2 * k], v[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    for (int k = 0; k < 2; k++)
        v[k] = __builtin_shufflevector(v[2 * k], v[2 * k + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
               __builtin_shufflevector(v[2 * k], v[2 * k + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    return __builtin_shufflevector(v[0], v[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
           __builtin_shufflevector(v[0], v[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// c[i·ldc + j] += Σ_t x[i][t] · y[j][t] for i < rows, j < columns (both ≤ BLOCK; the pointers
// past them repeat the last row, and their sums are not stored).
INLINE void dot_block(const float *const *x, const float *const *y, ptrdiff_t depth, ptrdiff_t rows,
                      ptrdiff_t columns, float *c, ptrdiff_t ldc) {
    ptrdiff_t whole = depth / LANES * LANES;
    vec acc[BLOCK * BLOCK] = {{0}};
    for (ptrdiff_t t = 0; t < depth; t += LANES) {
        vec u[BLOCK], v[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            if (t < whole) {
                u[i] = load(x[i] + t);
                v[i] = load(y[i] + t);
            } else {
                float tail[2][LANES] = {{0}};
                memcpy(tail[0], x[i] + t, sizeof(float) * (size_t)(depth - t));
                memcpy(tail[1], y[i] + t, sizeof(float) * (size_t)(depth - t));
                u[i] = load(tail[0]);
                v[i] = load(tail[1]);
            }
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < BLOCK; i++)
#pragma clang loop unroll(full)
            for (int j = 0; j < BLOCK; j++) acc[i * BLOCK + j] += u[i] * v[j];
    }
    vec sums = reduce16(acc);
    for (ptrdiff_t i = 0; i < rows; i++)
        for (ptrdiff_t j = 0; j < columns; j++) c[i * ldc + j] += sums[i * BLOCK + j];
}

INLINE void wc_row_dot_products_body(wc_isa tier, ptrdiff_t m, ptrdiff_t n, ptrdiff_t depth, const float *a,
                                     const ptrdiff_t *aRows, const float *b, const ptrdiff_t *bRows, float *c,
                                     ptrdiff_t ldc) {
    for (ptrdiff_t i0 = 0; i0 < m; i0 += BLOCK)
        for (ptrdiff_t j0 = 0; j0 < n; j0 += BLOCK) {
            const float *x[BLOCK], *y[BLOCK];
            for (int i = 0; i < BLOCK; i++) {
                x[i] = a + aRows[min(i0 + i, m - 1)];
                y[i] = b + bRows[min(j0 + i, n - 1)];
            }
            dot_block(x, y, depth, min(BLOCK, m - i0), min(BLOCK, n - j0), c + i0 * ldc + j0, ldc);
        }
}

WC_TIERED(wc_row_dot_products,
          (ptrdiff_t m, ptrdiff_t n, ptrdiff_t depth, const float *a, const ptrdiff_t *aRows, const float *b,
           const ptrdiff_t *bRows, float *c, ptrdiff_t ldc),
          (m, n, depth, a, aRows, b, bRows, c, ldc))
