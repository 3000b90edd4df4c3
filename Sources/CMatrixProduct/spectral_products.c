// Complex matrix products per frequency, 16 frequencies per vector (see spectral_products.h). A
// micro-tile of MR × NR elements of C stays in registers (re and im: 2·MR·NR vectors) while the
// depth runs; each step loads MR elements of A and NR of B and does 4·MR·NR multiply-adds.
// Compiled once per instruction-set tier (tiers.h); below AVX-512 the compiler splits each
// 16-frequency vector.
#include "spectral_products.h"
#include "tiers.h"
#include <string.h>

#define INLINE __attribute__((always_inline)) static inline
enum { LANES = WC_SPECTRAL_LANES, MR = 2, NR = 4 };

typedef float vec __attribute__((vector_size(4 * LANES), aligned(4)));

INLINE vec load(const float *p) { vec v; memcpy(&v, p, sizeof v); return v; }
INLINE void store(float *p, vec v) { memcpy(p, &v, sizeof v); }

// One tile of rows × columns elements (at most MR × NR; constants once inlined).
INLINE void tile(int rows, int columns, int conjugate, ptrdiff_t k, const float *a, ptrdiff_t aRow, ptrdiff_t aDepth,
                 const float *b, ptrdiff_t bColumn, ptrdiff_t bDepth, float *c, ptrdiff_t cRow, ptrdiff_t cColumn) {
    vec re[MR][NR], im[MR][NR];
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < columns; j++) re[i][j] = im[i][j] = (vec){0};
    for (ptrdiff_t p = 0; p < k; p++) {
        vec ar[MR], ai[MR], br[NR], bi[NR];
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++) {
            ar[i] = load(a + i * aRow + p * aDepth);
            ai[i] = load(a + i * aRow + p * aDepth + LANES);
        }
#pragma clang loop unroll(full)
        for (int j = 0; j < columns; j++) {
            br[j] = load(b + j * bColumn + p * bDepth);
            bi[j] = load(b + j * bColumn + p * bDepth + LANES);
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
            for (int j = 0; j < columns; j++) {
                if (conjugate) {
                    re[i][j] = re[i][j] + ar[i] * br[j] + ai[i] * bi[j];
                    im[i][j] = im[i][j] + ai[i] * br[j] - ar[i] * bi[j];
                } else {
                    re[i][j] = re[i][j] + ar[i] * br[j] - ai[i] * bi[j];
                    im[i][j] = im[i][j] + ai[i] * br[j] + ar[i] * bi[j];
                }
            }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < columns; j++) {
            float *out = c + i * cRow + j * cColumn;
            store(out, re[i][j]);
            store(out + LANES, im[i][j]);
        }
}

// Every tile of C for one conjugation: whole MR × NR tiles, then the narrower and shorter edges.
INLINE void product(int conjugate, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t aRow,
                    ptrdiff_t aDepth, const float *b, ptrdiff_t bColumn, ptrdiff_t bDepth, float *c, ptrdiff_t cRow,
                    ptrdiff_t cColumn) {
    ptrdiff_t i = 0;
    for (; i + MR <= m; i += MR) {
        ptrdiff_t j = 0;
        for (; j + NR <= n; j += NR)
            tile(MR, NR, conjugate, k, a + i * aRow, aRow, aDepth, b + j * bColumn, bColumn, bDepth,
                 c + i * cRow + j * cColumn, cRow, cColumn);
        for (; j < n; j++)
            tile(MR, 1, conjugate, k, a + i * aRow, aRow, aDepth, b + j * bColumn, bColumn, bDepth,
                 c + i * cRow + j * cColumn, cRow, cColumn);
    }
    for (; i < m; i++) {
        ptrdiff_t j = 0;
        for (; j + NR <= n; j += NR)
            tile(1, NR, conjugate, k, a + i * aRow, aRow, aDepth, b + j * bColumn, bColumn, bDepth,
                 c + i * cRow + j * cColumn, cRow, cColumn);
        for (; j < n; j++)
            tile(1, 1, conjugate, k, a + i * aRow, aRow, aDepth, b + j * bColumn, bColumn, bDepth,
                 c + i * cRow + j * cColumn, cRow, cColumn);
    }
}

INLINE void wc_spectral_product_body(wc_isa tier, ptrdiff_t blocks, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                                     const float *a, wc_spectral_strides as, const float *b, wc_spectral_strides bs,
                                     int conjugateB, float *c, wc_spectral_strides cs) {
    for (ptrdiff_t q = 0; q < blocks; q++) {
        const float *aq = a + q * as.block, *bq = b + q * bs.block;
        float *cq = c + q * cs.block;
        if (conjugateB)
            product(1, m, n, k, aq, as.row, as.depth, bq, bs.row, bs.depth, cq, cs.row, cs.depth);
        else
            product(0, m, n, k, aq, as.row, as.depth, bq, bs.row, bs.depth, cq, cs.row, cs.depth);
    }
}

WC_TIERED(wc_spectral_product,
          (ptrdiff_t blocks, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, wc_spectral_strides as,
           const float *b, wc_spectral_strides bs, int conjugateB, float *c, wc_spectral_strides cs),
          (blocks, m, n, k, a, as, b, bs, conjugateB, c, cs))
