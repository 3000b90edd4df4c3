// Moving the windows of consecutive tiles between a line of an array and vector lanes (see
// winograd_lines.h): at the AVX-512 tier by masked loads and permutes, else element by element.
#include "winograd_lines.h"
#include "tiers.h"
#include <string.h>

static ptrdiff_t min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static ptrdiff_t max(ptrdiff_t a, ptrdiff_t b) { return a > b ? a : b; }

// The first `count` of 16 lanes (all for count ≥ 16, none for count ≤ 0).
__mmask16 wc_lane_mask(ptrdiff_t count) {
    return (__mmask16)(count >= WC_LINE_LANES ? 0xFFFF : count <= 0 ? 0 : (1u << count) - 1);
}

// The window positions k < width of `count` consecutive tiles along a line of `length` values:
// dst[k·lanes + j] = line[start + j·m + k], zero outside [0, length). At the AVX-512 tier: per 16 tiles,
// the ⌈(15m + width)/16⌉ vectors they span are loaded once (masked to the line) and every k is
// picked out of them by masked permutes (gathers are slow on the machine measured).
window_picks wc_window_picks(int m, int width) {
    window_picks p = {.chunks = (15 * m + width + 15) / 16};
    for (int k = 0; k < width; k++)
        for (int j = 0; j < WC_LINE_LANES; j++) {
            p.index[k][j] = (j * m + k) & 15;
            p.from[k][(j * m + k) >> 4] |= (__mmask16)(1u << j);
        }
    return p;
}

WC_TARGET_AVX512 static void window_lines_avx512(const float *line, ptrdiff_t length,
                                                                   ptrdiff_t start, int m, int width,
                                                                   ptrdiff_t count, ptrdiff_t lanes, float *dst,
                                                                   const window_picks *picks) {
    const int chunks = picks->chunks;
    __m512i index[WC_LINE_MAX_ALPHA];
    for (int k = 0; k < width; k++) index[k] = _mm512_loadu_si512(picks->index[k]);
    for (ptrdiff_t j = 0; j < count; j += WC_LINE_LANES) {
        ptrdiff_t first = start + j * m;
        __m512 chunk[WC_LINE_MAX_ALPHA];
        for (int c = 0; c < chunks; c++) {
            ptrdiff_t at = first + 16 * c;
            __mmask16 inside = (__mmask16)(wc_lane_mask(length - at) & ~wc_lane_mask(-at));
            chunk[c] = _mm512_maskz_loadu_ps(inside, line + at);
        }
        __mmask16 store = wc_lane_mask(count - j);
        for (int k = 0; k < width; k++) {
            __m512 v = _mm512_setzero_ps();
            for (int c = 0; c < chunks; c++) v = _mm512_mask_permutexvar_ps(v, picks->from[k][c], index[k], chunk[c]);
            _mm512_mask_storeu_ps(dst + k * lanes + j, store, v);
        }
    }
}

void wc_window_lines(const float *line, ptrdiff_t length, ptrdiff_t start, int m, int width, ptrdiff_t count,
                         ptrdiff_t lanes, float *dst, const window_picks *picks) {
    if (wc_isa_active() == WC_ISA_AVX512) return window_lines_avx512(line, length, start, m, width, count, lanes, dst, picks);
    for (int k = 0; k < width; k++, dst += lanes) {
        // Tiles j in [first, last) read inside the line.
        ptrdiff_t shift = start + k;
        ptrdiff_t first = min(count, max(0, (-shift + m - 1) / m));
        ptrdiff_t last = max(first, min(count, (length - shift + m - 1) / m));
        for (ptrdiff_t j = 0; j < first; j++) dst[j] = 0;
        for (ptrdiff_t j = first; j < last; j++) dst[j] = line[shift + j * m];
        for (ptrdiff_t j = last; j < count; j++) dst[j] = 0;
    }
}

interleave_picks wc_interleave_picks(int m) {
    interleave_picks p = {0};
    for (int c = 0; c < m; c++)
        for (int i = 0; i < WC_LINE_LANES; i++) {
            p.index[c][i] = (WC_LINE_LANES * c + i) / m;
            p.from[c][(WC_LINE_LANES * c + i) % m] |= (__mmask16)(1u << i);
        }
    return p;
}

// line[j·m + q] = phases[q·lanes + j] for j·m + q < width: the outputs of consecutive tiles
// along a line from their m phases. At the AVX-512 tier, per 16 tiles the m output vectors are each
// assembled from the m phase vectors by masked permutes.
WC_TARGET_AVX512 static void interleave_lines_avx512(const float *phases, ptrdiff_t lanes, int m,
                                                                       ptrdiff_t width, float *line,
                                                                       const interleave_picks *picks) {
    __m512i index[WC_LINE_MAX_ALPHA];
    for (int c = 0; c < m; c++) index[c] = _mm512_loadu_si512(picks->index[c]);
    for (ptrdiff_t j = 0; j * m < width; j += WC_LINE_LANES) {
        __m512 phase[WC_LINE_MAX_ALPHA];
        for (int q = 0; q < m; q++) phase[q] = _mm512_loadu_ps(phases + q * lanes + j);
        for (int c = 0; c < m; c++) {
            ptrdiff_t at = j * m + WC_LINE_LANES * c;
            __m512 v = _mm512_setzero_ps();
            for (int q = 0; q < m; q++) v = _mm512_mask_permutexvar_ps(v, picks->from[c][q], index[c], phase[q]);
            _mm512_mask_storeu_ps(line + at, wc_lane_mask(width - at), v);
        }
    }
}

void wc_interleave_lines(const float *phases, ptrdiff_t lanes, int m, ptrdiff_t width, float *line,
                             const interleave_picks *picks) {
    if (wc_isa_active() == WC_ISA_AVX512) return interleave_lines_avx512(phases, lanes, m, width, line, picks);
    for (int q = 0; q < m; q++) {
        ptrdiff_t count = (width - q + m - 1) / m;
        for (ptrdiff_t j = 0; j < count; j++) line[j * m + q] = phases[q * lanes + j];
    }
}

