// Winograd transforms for 1, 2 and 3 spatial axes (see winograd.h). Every N-D transform is the
// 1-D one — a small constant matrix — applied along each tiled axis in turn, to 16 tiles at once;
// the matrices are compile-time tables, so after the loops over a line are unrolled the zero
// terms vanish. Compiled once per instruction-set tier (tiers.h); below AVX-512 the compiler
// splits each 16-tile vector.
#include "winograd.h"
#include "row_dot_products.h"
#include "tiers.h"
#include "winograd_lines.h"
#include "winograd_tables.h"
#include <string.h>

#define INLINE __attribute__((always_inline)) static inline
enum { LANES = 16, MAX_ALPHA = 8, MAX_POSITIONS = 216 };

typedef float vec __attribute__((vector_size(4 * LANES), aligned(4)));

INLINE vec load(const float *p) { vec v; memcpy(&v, p, sizeof v); return v; }
INLINE void store(float *p, vec v) { memcpy(p, &v, sizeof v); }

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

INLINE void wc_winograd_kernel_body(wc_isa tier, const wc_winograd_layout *layout, const float *g, ptrdiff_t count,
                                    float *u, ptrdiff_t stride) {
    vec tiles[2 * MAX_POSITIONS];
    switch (layout->algorithm) {
#define KERNEL(name, m, r, BT, G, AT) \
    case name: kernel_tiles(G, m + r - 1, r, layout->rank, g, count, u, stride, tiles); break;
        ALGORITHMS(KERNEL)
#undef KERNEL
    }
}

INLINE void wc_winograd_kernel_adjoint_body(wc_isa tier, const wc_winograd_layout *layout, const float *u,
                                            ptrdiff_t stride, ptrdiff_t count, float *g) {
    vec tiles[2 * MAX_POSITIONS];
    switch (layout->algorithm) {
#define KERNEL_ADJOINT(name, m, r, BT, G, AT) \
    case name: kernel_adjoint_tiles(G, m + r - 1, r, layout->rank, u, stride, count, g, tiles); break;
        ALGORITHMS(KERNEL_ADJOINT)
#undef KERNEL_ADJOINT
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
    const window_picks picks = wc_window_picks(m, width);
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
                wc_window_lines(plane + run.offset + (p0 * size[1] + p1) * size[2], size[2], run.firstTile * m - pad[2], m,
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

INLINE void wc_winograd_input_body(wc_isa tier, const wc_winograd_layout *layout, const float *x,
                                   const wc_tile_run *runs, ptrdiff_t runCount, float *v, ptrdiff_t stride,
                                   float *scratch) {
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

// Writes the m^rank output tiles of `scratch` (position·lanes + lane) into the output plane.
INLINE void scatter_tiles(int m, int rank, const float *tiles, ptrdiff_t lanes, float *y, const ptrdiff_t size[3],
                          const wc_tile_run *runs, ptrdiff_t runCount) {
    const int m0 = rank == 3 ? m : 1, m1 = rank >= 2 ? m : 1;
    const interleave_picks picks = wc_interleave_picks(m);
    ptrdiff_t lane = 0;
    for (ptrdiff_t n = 0; n < runCount; n++) {
        const wc_tile_run run = runs[n];
        for (int a = 0; a < m0; a++)
            for (int b = 0; b < m1; b++) {
                ptrdiff_t p0 = run.tile[0] * m0 + a, p1 = run.tile[1] * m1 + b;
                if (p0 >= size[0] || p1 >= size[1]) continue;
                float *line = y + run.offset + (p0 * size[1] + p1) * size[2] + run.firstTile * m;
                ptrdiff_t width = min(run.count * m, size[2] - run.firstTile * m);
                wc_interleave_lines(tiles + (a * m1 + b) * m * lanes + lane, lanes, m, width, line, &picks);
            }
        lane += run.count;
    }
}

INLINE void wc_winograd_output_body(wc_isa tier, const wc_winograd_layout *layout, const float *mm, ptrdiff_t stride,
                                    float *y, const wc_tile_run *runs, ptrdiff_t runCount, float *scratch) {
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

INLINE void wc_winograd_output_adjoint_body(wc_isa tier, const wc_winograd_layout *layout, const float *dy,
                                            const wc_tile_run *runs, ptrdiff_t runCount, float *dm, ptrdiff_t stride,
                                            float *scratch) {
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

void wc_winograd_kernel_gradient(const float *dm, const float *v, ptrdiff_t lanes, ptrdiff_t tiles, ptrdiff_t positions,
                                 int cout, int cin, float *du) {
    ptrdiff_t outRows[cout], inRows[cin];
    for (int o = 0; o < cout; o++) outRows[o] = o * lanes;
    for (int c = 0; c < cin; c++) inRows[c] = c * lanes;
    for (ptrdiff_t xi = 0; xi < positions; xi++)
        wc_row_dot_products(cout, cin, tiles, dm + xi * cout * lanes, outRows, v + xi * cin * lanes, inRows,
                            du + xi * cout * cin, cin);
}

WC_TIERED(wc_winograd_kernel,
          (const wc_winograd_layout *layout, const float *g, ptrdiff_t count, float *u, ptrdiff_t stride),
          (layout, g, count, u, stride))

WC_TIERED(wc_winograd_kernel_adjoint,
          (const wc_winograd_layout *layout, const float *u, ptrdiff_t stride, ptrdiff_t count, float *g),
          (layout, u, stride, count, g))

WC_TIERED(wc_winograd_input,
          (const wc_winograd_layout *layout, const float *x, const wc_tile_run *runs, ptrdiff_t runCount, float *v, ptrdiff_t stride, float *scratch),
          (layout, x, runs, runCount, v, stride, scratch))

WC_TIERED(wc_winograd_output,
          (const wc_winograd_layout *layout, const float *mm, ptrdiff_t stride, float *y, const wc_tile_run *runs, ptrdiff_t runCount, float *scratch),
          (layout, mm, stride, y, runs, runCount, scratch))

WC_TIERED(wc_winograd_output_adjoint,
          (const wc_winograd_layout *layout, const float *dy, const wc_tile_run *runs, ptrdiff_t runCount, float *dm, ptrdiff_t stride, float *scratch),
          (layout, dy, runs, runCount, dm, stride, scratch))
