// Winograd transforms for 1, 2 and 3 spatial axes (see winograd.h). Every N-D transform is the
// 1-D one — a small constant matrix — applied along each tiled axis in turn, to 16 tiles at once;
// the matrices are compile-time tables, so after the loops over a line are unrolled the zero
// terms vanish. Compiled for AVX-512 and for the baseline instruction set, picked when the
// library loads.
#include "winograd.h"
#include <immintrin.h>
#include <string.h>

#define CLONES __attribute__((target_clones("avx512f", "default")))
#define INLINE __attribute__((always_inline)) static inline
enum { LANES = 16, MAX_ALPHA = 8, MAX_POSITIONS = 216 };

typedef float vec __attribute__((vector_size(4 * LANES), aligned(4)));

INLINE vec load(const float *p) { vec v; memcpy(&v, p, sizeof v); return v; }
INLINE void store(float *p, vec v) { memcpy(p, &v, sizeof v); }

// The tables: Bᵀ (α × α), G (α × r), Aᵀ (m × α), derived by Cook–Toom from the points named.
// F(2, 3): points 0, 1, −1, ∞.
static const float BT_2_3[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
static const float G_2_3[] = {1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 1};
static const float AT_2_3[] = {1, 1, 1, 0, 0, 1, -1, -1};
// F(4, 3) and F(2, 5) share the points 0, ±1, ±2, ∞ (and so Bᵀ).
static const float BT_4_3[] = {
    4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
    0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1};
static const float G_4_3[] = {
    1.0f / 4, 0, 0, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6,
    1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 24, -1.0f / 12, 1.0f / 6, 0, 0, 1};
static const float AT_4_3[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};
#define BT_2_5 BT_4_3
static const float G_2_5[] = {
    1.0f / 4, 0, 0, 0, 0, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6,
    -1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 3, 2.0f / 3,
    1.0f / 24, -1.0f / 12, 1.0f / 6, -1.0f / 3, 2.0f / 3, 0, 0, 0, 0, 1};
static const float AT_2_5[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1};
// F(3, 5): points 0, ±1, ±2, 1/2, ∞.
static const float BT_3_5[] = {
    -2, 4, 5.0f / 2, -5, -1.0f / 2, 1, 0, 0, 2, -2, -9.0f / 2, 1.0f / 2, 1, 0,
    0, -2, 6, -7.0f / 2, -3.0f / 2, 1, 0, 0, 1, -3.0f / 2, -2, 3.0f / 2, 1, 0,
    0, -1, 5.0f / 2, 0, -5.0f / 2, 1, 0, 0, 4, 0, -5, 0, 1, 0,
    0, -2, 4, 5.0f / 2, -5, -1.0f / 2, 1};
static const float G_3_5[] = {
    -1.0f / 2, 0, 0, 0, 0, -1.0f / 3, -1.0f / 3, -1.0f / 3, -1.0f / 3, -1.0f / 3,
    1.0f / 9, -1.0f / 9, 1.0f / 9, -1.0f / 9, 1.0f / 9, 1.0f / 36, 1.0f / 18, 1.0f / 9, 2.0f / 9, 4.0f / 9,
    -1.0f / 60, 1.0f / 30, -1.0f / 15, 2.0f / 15, -4.0f / 15, 32.0f / 45, 16.0f / 45, 8.0f / 45, 4.0f / 45, 2.0f / 45,
    0, 0, 0, 0, 1};
static const float AT_3_5[] = {1, 1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1.0f / 2, 0, 0, 1, 1, 4, 4, 1.0f / 4, 1};
// F(4, 5): points 0, ±1, ±2, ±1/2, ∞.
static const float BT_4_5[] = {
    -1, 0, 21.0f / 4, 0, -21.0f / 4, 0, 1, 0, 0, 1, 1, -17.0f / 4, -17.0f / 4, 1, 1, 0,
    0, -1, 1, 17.0f / 4, -17.0f / 4, -1, 1, 0, 0, 1.0f / 2, 1.0f / 4, -5.0f / 2, -5.0f / 4, 2, 1, 0,
    0, -1.0f / 2, 1.0f / 4, 5.0f / 2, -5.0f / 4, -2, 1, 0, 0, 2, 4, -5.0f / 2, -5, 1.0f / 2, 1, 0,
    0, -2, 4, 5.0f / 2, -5, -1.0f / 2, 1, 0, 0, -1, 0, 21.0f / 4, 0, -21.0f / 4, 0, 1};
static const float G_4_5[] = {
    -1, 0, 0, 0, 0, -2.0f / 9, -2.0f / 9, -2.0f / 9, -2.0f / 9, -2.0f / 9,
    -2.0f / 9, 2.0f / 9, -2.0f / 9, 2.0f / 9, -2.0f / 9, 1.0f / 90, 1.0f / 45, 2.0f / 45, 4.0f / 45, 8.0f / 45,
    1.0f / 90, -1.0f / 45, 2.0f / 45, -4.0f / 45, 8.0f / 45, 32.0f / 45, 16.0f / 45, 8.0f / 45, 4.0f / 45, 2.0f / 45,
    32.0f / 45, -16.0f / 45, 8.0f / 45, -4.0f / 45, 2.0f / 45, 0, 0, 0, 0, 1};
static const float AT_4_5[] = {
    1, 1, 1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 1.0f / 2, -1.0f / 2, 0,
    0, 1, 1, 4, 4, 1.0f / 4, 1.0f / 4, 0, 0, 1, -1, 8, -8, 1.0f / 8, -1.0f / 8, 1};

// Calls X(algorithm, m, r, Bᵀ, G, Aᵀ) for every algorithm.
#define ALGORITHMS(X)                                        \
    X(WC_WINOGRAD_F2_3, 2, 3, BT_2_3, G_2_3, AT_2_3)         \
    X(WC_WINOGRAD_F4_3, 4, 3, BT_4_3, G_4_3, AT_4_3)         \
    X(WC_WINOGRAD_F2_5, 2, 5, BT_2_5, G_2_5, AT_2_5)         \
    X(WC_WINOGRAD_F3_5, 3, 5, BT_3_5, G_3_5, AT_3_5)         \
    X(WC_WINOGRAD_F4_5, 4, 5, BT_4_5, G_4_5, AT_4_5)

// out[r] = Σ_c M[r·rs + c·cs] · in[c] for r < R, c < C (zero coefficients skipped once unrolled).
INLINE void apply(const float *M, int R, int C, int rs, int cs, const vec *in, vec *out) {
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++) {
        vec acc = {0};
        int first = 1;
#pragma clang loop unroll(full)
        for (int c = 0; c < C; c++) {
            float w = M[r * rs + c * cs];
            if (w == 0) continue;
            vec term = w == 1 ? in[c] : w == -1 ? -in[c] : w * in[c];
            acc = first ? term : acc + term;
            first = 0;
        }
        out[r] = acc;
    }
}

// Applies M (R × C, element [r][c] at r·rs + c·cs) along each of the `rank` axes of the C^rank
// tile `a` (row-major), giving an R^rank tile; `a` and `b` (each of max(C, R)^rank vectors) are
// overwritten in turn. Returns the one that holds the result.
INLINE vec *transform(const float *M, int R, int C, int rs, int cs, int rank, vec *a, vec *b) {
    ptrdiff_t outer = 1, inner = 1;
    for (int i = 1; i < rank; i++) inner *= C;
    for (int axis = 0; axis < rank; axis++) {
        for (ptrdiff_t o = 0; o < outer; o++)
            for (ptrdiff_t i = 0; i < inner; i++) {
                vec line[MAX_ALPHA], out[MAX_ALPHA];
                for (int c = 0; c < C; c++) line[c] = a[(o * C + c) * inner + i];
                apply(M, R, C, rs, cs, line, out);
                for (int r = 0; r < R; r++) b[(o * R + r) * inner + i] = out[r];
            }
        outer *= R;
        inner /= C;
        vec *t = a;
        a = b;
        b = t;
    }
    return a;
}

INLINE ptrdiff_t round_up(ptrdiff_t a) { return (a + LANES - 1) / LANES * LANES; }
INLINE ptrdiff_t max(ptrdiff_t a, ptrdiff_t b) { return a > b ? a : b; }
INLINE ptrdiff_t min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
INLINE ptrdiff_t power(ptrdiff_t base, int exponent) {
    ptrdiff_t p = 1;
    for (int i = 0; i < exponent; i++) p *= base;
    return p;
}

// The first `count` of 16 lanes (all for count ≥ 16, none for count ≤ 0).
static inline __mmask16 lane_mask(ptrdiff_t count) {
    return (__mmask16)(count >= LANES ? 0xFFFF : count <= 0 ? 0 : (1u << count) - 1);
}

// Whether the processor runs AVX-512 (checked once, when the library loads).
static int has_avx512;
__attribute__((constructor)) static void detect_avx512(void) {
    __builtin_cpu_init();
    has_avx512 = __builtin_cpu_supports("avx512f");
}

INLINE ptrdiff_t lane_count(const wc_tile_run *runs, ptrdiff_t runCount) {
    ptrdiff_t total = 0;
    for (ptrdiff_t i = 0; i < runCount; i++) total += runs[i].count;
    return total;
}

static int alpha_of(int algorithm) {
    switch (algorithm) {
#define ALPHA(name, m, r, BT, G, AT) case name: return m + r - 1;
        ALGORITHMS(ALPHA)
#undef ALPHA
    }
    return MAX_ALPHA;
}

size_t wc_winograd_scratch(const wc_winograd_layout *layout, ptrdiff_t tiles) {
    ptrdiff_t positions = power(alpha_of(layout->algorithm), layout->rank);
    return (size_t)(positions * (round_up(tiles) + 2 * LANES));
}

// The r^N kernels ↔ α^N transformed kernels, 16 at a time: g is [kernel][r^N], u is [ξ][kernel]
// (rows `stride` apart). `tiles` is the scratch of two vector tiles.
INLINE void kernel_tiles(const float *G, int alpha, int r, int rank, const float *g, ptrdiff_t count, float *u,
                         ptrdiff_t stride, vec *tiles) {
    ptrdiff_t taps = power(r, rank), positions = power(alpha, rank);
    for (ptrdiff_t n = 0; n < count; n += LANES) {
        ptrdiff_t width = min(LANES, count - n);
        for (ptrdiff_t e = 0; e < taps; e++) {
            float values[LANES] = {0};
            for (ptrdiff_t l = 0; l < width; l++) values[l] = g[taps * (n + l) + e];
            tiles[e] = load(values);
        }
        vec *out = transform(G, alpha, r, r, 1, rank, tiles, tiles + positions);
        for (ptrdiff_t e = 0; e < positions; e++) {
            float values[LANES];
            store(values, out[e]);
            memcpy(u + e * stride + n, values, sizeof(float) * (size_t)width);
        }
    }
}

INLINE void kernel_adjoint_tiles(const float *G, int alpha, int r, int rank, const float *u, ptrdiff_t stride,
                                 ptrdiff_t count, float *g, vec *tiles) {
    ptrdiff_t taps = power(r, rank), positions = power(alpha, rank);
    for (ptrdiff_t n = 0; n < count; n += LANES) {
        ptrdiff_t width = min(LANES, count - n);
        for (ptrdiff_t e = 0; e < positions; e++) {
            float values[LANES] = {0};
            memcpy(values, u + e * stride + n, sizeof(float) * (size_t)width);
            tiles[e] = load(values);
        }
        vec *out = transform(G, r, alpha, 1, r, rank, tiles, tiles + positions);
        for (ptrdiff_t e = 0; e < taps; e++) {
            float values[LANES];
            store(values, out[e]);
            for (ptrdiff_t l = 0; l < width; l++) g[taps * (n + l) + e] = values[l];
        }
    }
}

CLONES void wc_winograd_kernel(const wc_winograd_layout *layout, const float *g, ptrdiff_t count, float *u,
                               ptrdiff_t stride) {
    vec tiles[2 * MAX_POSITIONS];
    switch (layout->algorithm) {
#define KERNEL(name, m, r, BT, G, AT) \
    case name: kernel_tiles(G, m + r - 1, r, layout->rank, g, count, u, stride, tiles); break;
        ALGORITHMS(KERNEL)
#undef KERNEL
    }
}

CLONES void wc_winograd_kernel_adjoint(const wc_winograd_layout *layout, const float *u, ptrdiff_t stride,
                                       ptrdiff_t count, float *g) {
    vec tiles[2 * MAX_POSITIONS];
    switch (layout->algorithm) {
#define KERNEL_ADJOINT(name, m, r, BT, G, AT) \
    case name: kernel_adjoint_tiles(G, m + r - 1, r, layout->rank, u, stride, count, g, tiles); break;
        ALGORITHMS(KERNEL_ADJOINT)
#undef KERNEL_ADJOINT
    }
}

// The window positions k < width of `count` consecutive tiles along a line of `length` values:
// dst[k·lanes + j] = line[start + j·m + k], zero outside [0, length). With AVX-512: per 16 tiles,
// the ⌈(15m + width)/16⌉ vectors they span are loaded once (masked to the line) and every k is
// picked out of them by masked permutes (gathers are slow on the machine measured).
// Which lanes of which loaded vector every window position k picks (see window_lines).
typedef struct {
    int chunks;
    int index[MAX_ALPHA][LANES];
    __mmask16 from[MAX_ALPHA][MAX_ALPHA];
} window_picks;

static window_picks picks_for(int m, int width) {
    window_picks p = {.chunks = (15 * m + width + 15) / 16};
    for (int k = 0; k < width; k++)
        for (int j = 0; j < LANES; j++) {
            p.index[k][j] = (j * m + k) & 15;
            p.from[k][(j * m + k) >> 4] |= (__mmask16)(1u << j);
        }
    return p;
}

__attribute__((target("avx512f"))) static void window_lines_avx512(const float *line, ptrdiff_t length,
                                                                   ptrdiff_t start, int m, int width,
                                                                   ptrdiff_t count, ptrdiff_t lanes, float *dst,
                                                                   const window_picks *picks) {
    const int chunks = picks->chunks;
    __m512i index[MAX_ALPHA];
    for (int k = 0; k < width; k++) index[k] = _mm512_loadu_si512(picks->index[k]);
    for (ptrdiff_t j = 0; j < count; j += LANES) {
        ptrdiff_t first = start + j * m;
        __m512 chunk[MAX_ALPHA];
        for (int c = 0; c < chunks; c++) {
            ptrdiff_t at = first + 16 * c;
            __mmask16 inside = (__mmask16)(lane_mask(length - at) & ~lane_mask(-at));
            chunk[c] = _mm512_maskz_loadu_ps(inside, line + at);
        }
        __mmask16 store = lane_mask(count - j);
        for (int k = 0; k < width; k++) {
            __m512 v = _mm512_setzero_ps();
            for (int c = 0; c < chunks; c++) v = _mm512_mask_permutexvar_ps(v, picks->from[k][c], index[k], chunk[c]);
            _mm512_mask_storeu_ps(dst + k * lanes + j, store, v);
        }
    }
}

INLINE void window_lines(const float *line, ptrdiff_t length, ptrdiff_t start, int m, int width, ptrdiff_t count,
                         ptrdiff_t lanes, float *dst, const window_picks *picks) {
    if (has_avx512) return window_lines_avx512(line, length, start, m, width, count, lanes, dst, picks);
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

// Gathers the windows of every tile of the runs out of the plane: `width` values per tiled
// axis (1 on the others) starting at tile·m − pad, zero outside the plane, into
// out[position·lanes + lane] with `position` row-major over the window.
INLINE void gather_tiles(int m, int width, int rank, const float *plane, const ptrdiff_t size[3],
                         const ptrdiff_t pad[3], const wc_tile_run *runs, ptrdiff_t runCount, ptrdiff_t lanes,
                         float *out) {
    const int w0 = rank == 3 ? width : 1, w1 = rank >= 2 ? width : 1;
    const int m0 = rank == 3 ? m : 1, m1 = rank >= 2 ? m : 1;
    const window_picks picks = picks_for(m, width);
    ptrdiff_t lane = 0;
    for (ptrdiff_t i = 0; i < runCount; i++) {
        const wc_tile_run run = runs[i];
        for (int a = 0; a < w0; a++)
            for (int b = 0; b < w1; b++) {
                ptrdiff_t p0 = run.tile[0] * m0 + a - pad[0], p1 = run.tile[1] * m1 + b - pad[1];
                int inside = p0 >= 0 && p0 < size[0] && p1 >= 0 && p1 < size[1];
                float *dst = out + (a * w1 + b) * width * lanes + lane;
                if (!inside) {
                    for (int k = 0; k < width; k++)
                        for (ptrdiff_t j = 0; j < run.count; j++) dst[k * lanes + j] = 0;
                    continue;
                }
                window_lines(plane + run.offset + (p0 * size[1] + p1) * size[2], size[2], run.firstTile * m - pad[2], m,
                             width, run.count, lanes, dst, &picks);
            }
        lane += run.count;
    }
}

// Transforms C^rank tiles, 16 lanes at a time, by M (R × C) along every axis: tile values are
// rows e·inStride of `in` and become rows ξ·outStride of `out`.
INLINE void transform_lanes(const float *M, int R, int C, int rs, int cs, int rank, const float *in,
                            ptrdiff_t inStride, ptrdiff_t tiles, float *out, ptrdiff_t outStride, vec *buffers) {
    ptrdiff_t inCount = power(C, rank), outCount = power(R, rank);
    vec *a = buffers, *b = buffers + max(inCount, outCount);
    for (ptrdiff_t j = 0; j < tiles; j += LANES) {
        for (ptrdiff_t e = 0; e < inCount; e++) a[e] = load(in + e * inStride + j);
        vec *result = transform(M, R, C, rs, cs, rank, a, b);
        for (ptrdiff_t e = 0; e < outCount; e++) store(out + e * outStride + j, result[e]);
    }
}

INLINE vec *buffers_after(float *scratch, const wc_winograd_layout *layout, ptrdiff_t lanes) {
    return (vec *)(void *)(scratch + power(alpha_of(layout->algorithm), layout->rank) * lanes);
}

CLONES void wc_winograd_input(const wc_winograd_layout *layout, const float *x, const wc_tile_run *runs,
                              ptrdiff_t runCount, float *v, ptrdiff_t stride, float *scratch) {
    ptrdiff_t tiles = lane_count(runs, runCount), lanes = round_up(tiles);
    vec *buffers = buffers_after(scratch, layout, lanes);
    switch (layout->algorithm) {
#define INPUT(name, m, r, BT, G, AT)                                                                 \
    case name:                                                                                       \
        gather_tiles(m, m + r - 1, layout->rank, x, layout->input, layout->pad, runs, runCount, lanes, scratch); \
        transform_lanes(BT, m + r - 1, m + r - 1, m + r - 1, 1, layout->rank, scratch, lanes, tiles, v, stride, buffers); \
        break;
        ALGORITHMS(INPUT)
#undef INPUT
    }
}

// Which phase (output q of a tile) and lane every value of m consecutive output vectors takes.
typedef struct {
    int index[MAX_ALPHA][LANES];
    __mmask16 from[MAX_ALPHA][MAX_ALPHA];
} interleave_picks;

static interleave_picks interleave_picks_for(int m) {
    interleave_picks p = {0};
    for (int c = 0; c < m; c++)
        for (int i = 0; i < LANES; i++) {
            p.index[c][i] = (LANES * c + i) / m;
            p.from[c][(LANES * c + i) % m] |= (__mmask16)(1u << i);
        }
    return p;
}

// line[j·m + q] = phases[q·lanes + j] for j·m + q < width: the outputs of consecutive tiles
// along a line from their m phases. With AVX-512, per 16 tiles the m output vectors are each
// assembled from the m phase vectors by masked permutes.
__attribute__((target("avx512f"))) static void interleave_lines_avx512(const float *phases, ptrdiff_t lanes, int m,
                                                                       ptrdiff_t width, float *line,
                                                                       const interleave_picks *picks) {
    __m512i index[MAX_ALPHA];
    for (int c = 0; c < m; c++) index[c] = _mm512_loadu_si512(picks->index[c]);
    for (ptrdiff_t j = 0; j * m < width; j += LANES) {
        __m512 phase[MAX_ALPHA];
        for (int q = 0; q < m; q++) phase[q] = _mm512_loadu_ps(phases + q * lanes + j);
        for (int c = 0; c < m; c++) {
            ptrdiff_t at = j * m + LANES * c;
            __m512 v = _mm512_setzero_ps();
            for (int q = 0; q < m; q++) v = _mm512_mask_permutexvar_ps(v, picks->from[c][q], index[c], phase[q]);
            _mm512_mask_storeu_ps(line + at, lane_mask(width - at), v);
        }
    }
}

INLINE void interleave_lines(const float *phases, ptrdiff_t lanes, int m, ptrdiff_t width, float *line,
                             const interleave_picks *picks) {
    if (has_avx512) return interleave_lines_avx512(phases, lanes, m, width, line, picks);
    for (int q = 0; q < m; q++) {
        ptrdiff_t count = (width - q + m - 1) / m;
        for (ptrdiff_t j = 0; j < count; j++) line[j * m + q] = phases[q * lanes + j];
    }
}

// Writes the m^rank output tiles of `scratch` (position·lanes + lane) into the output plane.
INLINE void scatter_tiles(int m, int rank, const float *tiles, ptrdiff_t lanes, float *y, const ptrdiff_t size[3],
                          const wc_tile_run *runs, ptrdiff_t runCount) {
    const int m0 = rank == 3 ? m : 1, m1 = rank >= 2 ? m : 1;
    const interleave_picks picks = interleave_picks_for(m);
    ptrdiff_t lane = 0;
    for (ptrdiff_t n = 0; n < runCount; n++) {
        const wc_tile_run run = runs[n];
        for (int a = 0; a < m0; a++)
            for (int b = 0; b < m1; b++) {
                ptrdiff_t p0 = run.tile[0] * m0 + a, p1 = run.tile[1] * m1 + b;
                if (p0 >= size[0] || p1 >= size[1]) continue;
                float *line = y + run.offset + (p0 * size[1] + p1) * size[2] + run.firstTile * m;
                ptrdiff_t width = min(run.count * m, size[2] - run.firstTile * m);
                interleave_lines(tiles + (a * m1 + b) * m * lanes + lane, lanes, m, width, line, &picks);
            }
        lane += run.count;
    }
}

CLONES void wc_winograd_output(const wc_winograd_layout *layout, const float *mm, ptrdiff_t stride, float *y,
                               const wc_tile_run *runs, ptrdiff_t runCount, float *scratch) {
    ptrdiff_t tiles = lane_count(runs, runCount), lanes = round_up(tiles);
    vec *buffers = buffers_after(scratch, layout, lanes);
    switch (layout->algorithm) {
#define OUTPUT(name, m, r, BT, G, AT)                                                                 \
    case name:                                                                                        \
        transform_lanes(AT, m, m + r - 1, m + r - 1, 1, layout->rank, mm, stride, tiles, scratch, lanes, buffers); \
        scatter_tiles(m, layout->rank, scratch, lanes, y, layout->output, runs, runCount);            \
        break;
        ALGORITHMS(OUTPUT)
#undef OUTPUT
    }
}

CLONES void wc_winograd_output_adjoint(const wc_winograd_layout *layout, const float *dy, const wc_tile_run *runs,
                                       ptrdiff_t runCount, float *dm, ptrdiff_t stride, float *scratch) {
    ptrdiff_t tiles = lane_count(runs, runCount), lanes = round_up(tiles);
    vec *buffers = buffers_after(scratch, layout, lanes);
    static const ptrdiff_t noPadding[3] = {0, 0, 0};
    switch (layout->algorithm) {
#define OUTPUT_ADJOINT(name, m, r, BT, G, AT)                                                         \
    case name:                                                                                        \
        gather_tiles(m, m, layout->rank, dy, layout->output, noPadding, runs, runCount, lanes, scratch); \
        transform_lanes(AT, m + r - 1, m, 1, m + r - 1, layout->rank, scratch, lanes, tiles, dm, stride, buffers); \
        break;
        ALGORITHMS(OUTPUT_ADJOINT)
#undef OUTPUT_ADJOINT
    }
}

// du[o·cin + c] += Σ_{t < tiles} dm[o·lanes + t] · v[c·lanes + t] for one transform position:
// dot products of rows, register-blocked 4 × 4 (16 vector accumulators over the tiles, reduced
// once at the end), the tail of the tiles masked to zero.
INLINE void gradient_position(const float *dm, const float *v, ptrdiff_t lanes, ptrdiff_t tiles, int cout, int cin,
                              float *du) {
    enum { BLOCK = 4 };
    for (int o0 = 0; o0 < cout; o0 += BLOCK)
        for (int c0 = 0; c0 < cin; c0 += BLOCK) {
            const float *a[BLOCK], *b[BLOCK];
            for (int i = 0; i < BLOCK; i++) {
                a[i] = dm + (ptrdiff_t)min(o0 + i, cout - 1) * lanes;
                b[i] = v + (ptrdiff_t)min(c0 + i, cin - 1) * lanes;
            }
            vec acc[BLOCK][BLOCK] = {{{0}}};
            ptrdiff_t whole = tiles / LANES * LANES;
            for (ptrdiff_t t = 0; t < tiles; t += LANES) {
                vec x[BLOCK], y[BLOCK];
                for (int i = 0; i < BLOCK; i++) {
                    if (t < whole) {
                        x[i] = load(a[i] + t);
                        y[i] = load(b[i] + t);
                    } else {
                        float tail[2][LANES] = {{0}};
                        memcpy(tail[0], a[i] + t, sizeof(float) * (size_t)(tiles - t));
                        memcpy(tail[1], b[i] + t, sizeof(float) * (size_t)(tiles - t));
                        x[i] = load(tail[0]);
                        y[i] = load(tail[1]);
                    }
                }
#pragma clang loop unroll(full)
                for (int i = 0; i < BLOCK; i++)
#pragma clang loop unroll(full)
                    for (int j = 0; j < BLOCK; j++) acc[i][j] += x[i] * y[j];
            }
            for (int i = 0; i < BLOCK && o0 + i < cout; i++)
                for (int j = 0; j < BLOCK && c0 + j < cin; j++) {
                    float sum = 0;
                    for (int l = 0; l < LANES; l++) sum += acc[i][j][l];
                    du[(o0 + i) * cin + c0 + j] += sum;
                }
        }
}

CLONES void wc_winograd_kernel_gradient(const float *dm, const float *v, ptrdiff_t lanes, ptrdiff_t tiles,
                                        ptrdiff_t positions, int cout, int cin, float *du) {
    for (ptrdiff_t xi = 0; xi < positions; xi++)
        gradient_position(dm + xi * cout * lanes, v + xi * cin * lanes, lanes, tiles, cout, cin, du + xi * cout * cin);
}
