// Line-by-line products of one kernel row with a gathered column matrix (see line_products.h).
// Each output line stays in L1 while every tap is added onto it; the loops are plain C that the
// compiler vectorises for each instruction-set tier (tiers.h).
#include "line_products.h"
#include "tiers.h"

#define INLINE __attribute__((always_inline)) static inline

INLINE void wc_line_products_body(wc_isa tier, const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines,
                                  ptrdiff_t length, ptrdiff_t stride, const ptrdiff_t *taps, ptrdiff_t tapCount,
                                  const float *w, float *out) {
    for (ptrdiff_t l = 0; l < lines; l++) {
        float *restrict line = out + l * length;
        const float *row = x + lineOffsets[l];
        for (ptrdiff_t j = 0; j < length; j++) line[j] = 0;
        for (ptrdiff_t q = 0; q < tapCount; q++) {
            const float *restrict src = row + taps[q];
            float weight = w[q];
            if (stride == 1) {
                for (ptrdiff_t j = 0; j < length; j++) line[j] += weight * src[j];
            } else {
                for (ptrdiff_t j = 0; j < length; j++) line[j] += weight * src[j * stride];
            }
        }
    }
}

INLINE void wc_line_correlations_body(wc_isa tier, const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines,
                                      ptrdiff_t length, ptrdiff_t stride, const ptrdiff_t *taps, ptrdiff_t tapCount,
                                      const float *gradOut, float *gradW) {
#pragma clang fp reassociate(on)
    for (ptrdiff_t l = 0; l < lines; l++) {
        const float *restrict dy = gradOut + l * length;
        const float *row = x + lineOffsets[l];
        for (ptrdiff_t q = 0; q < tapCount; q++) {
            const float *restrict src = row + taps[q];
            float sum = 0;
            if (stride == 1) {
                for (ptrdiff_t j = 0; j < length; j++) sum += dy[j] * src[j];
            } else {
                for (ptrdiff_t j = 0; j < length; j++) sum += dy[j] * src[j * stride];
            }
            gradW[q] += sum;
        }
    }
}

WC_TIERED(wc_line_products,
          (const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines, ptrdiff_t length, ptrdiff_t stride,
           const ptrdiff_t *taps, ptrdiff_t tapCount, const float *w, float *out),
          (x, lineOffsets, lines, length, stride, taps, tapCount, w, out))

WC_TIERED(wc_line_correlations,
          (const float *x, const ptrdiff_t *lineOffsets, ptrdiff_t lines, ptrdiff_t length, ptrdiff_t stride,
           const ptrdiff_t *taps, ptrdiff_t tapCount, const float *gradOut, float *gradW),
          (x, lineOffsets, lines, length, stride, taps, tapCount, gradOut, gradW))
