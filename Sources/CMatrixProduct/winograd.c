// Winograd F(2 × 2, 3 × 3) and F(4 × 4, 3 × 3) transforms (see winograd.h). Each 2-D transform is
// two 1-D passes of a small constant matrix, applied to 16 tiles at once; the matrices are
// compile-time tables, so after the loops are unrolled the zero terms vanish. Compiled for
// AVX-512 and for the baseline instruction set, picked when the library loads.
#include "winograd.h"
#include <string.h>

#define CLONES __attribute__((target_clones("avx512f", "default")))
#define INLINE __attribute__((always_inline)) static inline
enum { LANES = 16 };

typedef float vec __attribute__((vector_size(4 * LANES), aligned(4)));

INLINE vec load(const float *p) { vec v; memcpy(&v, p, sizeof v); return v; }
INLINE void store(float *p, vec v) { memcpy(p, &v, sizeof v); }

// F(2, 3): points 0, 1, −1, ∞.
static const float BT4[16] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
static const float G4[12] = {1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 1};
static const float AT4[8] = {1, 1, 1, 0, 0, 1, -1, -1};
// F(4, 3): points 0, ±1, ±2, ∞.
static const float BT6[36] = {
    4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
    0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1};
static const float G6[18] = {
    1.0f / 4, 0, 0, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6,
    1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 24, -1.0f / 12, 1.0f / 6, 0, 0, 1};
static const float AT6[24] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};

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

INLINE ptrdiff_t round_up(ptrdiff_t a) { return (a + LANES - 1) / LANES * LANES; }
INLINE ptrdiff_t max(ptrdiff_t a, ptrdiff_t b) { return a > b ? a : b; }
INLINE ptrdiff_t min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }

INLINE ptrdiff_t lane_count(const wc_tile_run *runs, ptrdiff_t runCount) {
    ptrdiff_t total = 0;
    for (ptrdiff_t i = 0; i < runCount; i++) total += runs[i].count;
    return total;
}

size_t wc_winograd_scratch(int m, ptrdiff_t tiles) {
    int alpha = m + 2;
    return (size_t)(alpha * alpha * round_up(tiles));
}

// 2-D transforms of 16 kernels at once and their adjoint: u = G g Gᵀ (α × α from 3 × 3),
// g = Gᵀ u G. Kernels are gathered into lanes (g is [kernel][9]); u is [ξ][kernel].
INLINE void kernel_tiles(const float *G, int alpha, const float *g, ptrdiff_t count, float *u, ptrdiff_t stride) {
    for (ptrdiff_t n = 0; n < count; n += LANES) {
        ptrdiff_t width = min(LANES, count - n);
        float lanes[9][LANES] = {{0}};
        for (ptrdiff_t l = 0; l < width; l++)
            for (int e = 0; e < 9; e++) lanes[e][l] = g[9 * (n + l) + e];
        vec column[3], t[6][3], out[6];
        for (int b = 0; b < 3; b++) {
            for (int k = 0; k < 3; k++) column[k] = load(lanes[3 * k + b]);
            apply(G, alpha, 3, 3, 1, column, out);
            for (int a = 0; a < alpha; a++) t[a][b] = out[a];
        }
        for (int a = 0; a < alpha; a++) {
            apply(G, alpha, 3, 3, 1, t[a], out);
            for (int b = 0; b < alpha; b++) {
                float values[LANES];
                store(values, out[b]);
                memcpy(u + (a * alpha + b) * stride + n, values, sizeof(float) * (size_t)width);
            }
        }
    }
}

INLINE void kernel_adjoint_tiles(const float *G, int alpha, const float *u, ptrdiff_t stride, ptrdiff_t count, float *g) {
    for (ptrdiff_t n = 0; n < count; n += LANES) {
        ptrdiff_t width = min(LANES, count - n);
        vec row[6], t[6][3], column[6], out[3];
        for (int a = 0; a < alpha; a++) {
            for (int b = 0; b < alpha; b++) {
                float values[LANES] = {0};
                memcpy(values, u + (a * alpha + b) * stride + n, sizeof(float) * (size_t)width);
                row[b] = load(values);
            }
            apply(G, 3, alpha, 1, 3, row, t[a]);
        }
        float lanes[9][LANES];
        for (int l = 0; l < 3; l++) {
            for (int a = 0; a < alpha; a++) column[a] = t[a][l];
            apply(G, 3, alpha, 1, 3, column, out);
            for (int k = 0; k < 3; k++) store(lanes[3 * k + l], out[k]);
        }
        for (ptrdiff_t l = 0; l < width; l++)
            for (int e = 0; e < 9; e++) g[9 * (n + l) + e] = lanes[e][l];
    }
}

CLONES void wc_winograd_kernel(int m, const float *g, ptrdiff_t count, float *u, ptrdiff_t stride) {
    if (m == 2) kernel_tiles(G4, 4, g, count, u, stride);
    else kernel_tiles(G6, 6, g, count, u, stride);
}

CLONES void wc_winograd_kernel_adjoint(int m, const float *u, ptrdiff_t stride, ptrdiff_t count, float *g) {
    if (m == 2) kernel_adjoint_tiles(G4, 4, u, stride, count, g);
    else kernel_adjoint_tiles(G6, 6, u, stride, count, g);
}

// Gathers the lines × width windows of every tile of the runs out of a rows × cols plane:
// out[(r·width + k)·lanes + lane] = plane[offset + (tileRow·m + r − top)·cols + (firstTile + j)·m +
// k − left] for tile j of a run at lane `lane`, zero outside the plane.
INLINE void gather_tiles(int m, int lines, int width, const float *plane, ptrdiff_t rows, ptrdiff_t cols,
                         ptrdiff_t top, ptrdiff_t left, const wc_tile_run *runs, ptrdiff_t runCount, ptrdiff_t lanes,
                         float *out) {
    ptrdiff_t lane = 0;
    for (ptrdiff_t i = 0; i < runCount; i++) {
        const wc_tile_run run = runs[i];
        for (int r = 0; r < lines; r++) {
            ptrdiff_t row = run.tileRow * m + r - top;
            for (int k = 0; k < width; k++) {
                float *dst = out + (r * width + k) * lanes + lane;
                if (row < 0 || row >= rows) {
                    for (ptrdiff_t j = 0; j < run.count; j++) dst[j] = 0;
                    continue;
                }
                // Tiles j in [first, last) read inside the row: col = (firstTile + j)·m + k − left.
                ptrdiff_t shift = run.firstTile * m + k - left;
                ptrdiff_t first = min(run.count, max(0, (-shift + m - 1) / m));
                ptrdiff_t last = max(first, min(run.count, (cols - shift + m - 1) / m));
                const float *line = plane + run.offset + row * cols + shift;
                for (ptrdiff_t j = 0; j < first; j++) dst[j] = 0;
                for (ptrdiff_t j = first; j < last; j++) dst[j] = line[j * m];
                for (ptrdiff_t j = last; j < run.count; j++) dst[j] = 0;
            }
        }
        lane += run.count;
    }
}

INLINE void input_tiles(int m, const float *BT, const float *x, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t top,
                        ptrdiff_t left, const wc_tile_run *runs, ptrdiff_t runCount, float *v, ptrdiff_t stride,
                        float *scratch) {
    const int alpha = m + 2;
    ptrdiff_t tiles = lane_count(runs, runCount), lanes = round_up(tiles);
    gather_tiles(m, alpha, alpha, x, rows, cols, top, left, runs, runCount, lanes, scratch);
    for (ptrdiff_t j = 0; j < tiles; j += LANES) {
        vec d[6], h[6][6], column[6], out[6];
        for (int r = 0; r < alpha; r++) {
            for (int k = 0; k < alpha; k++) d[k] = load(scratch + (r * alpha + k) * lanes + j);
            apply(BT, alpha, alpha, alpha, 1, d, h[r]);
        }
        for (int b = 0; b < alpha; b++) {
            for (int r = 0; r < alpha; r++) column[r] = h[r][b];
            apply(BT, alpha, alpha, alpha, 1, column, out);
            for (int a = 0; a < alpha; a++) store(v + (a * alpha + b) * stride + j, out[a]);
        }
    }
}

CLONES void wc_winograd_input(int m, const float *x, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t top, ptrdiff_t left,
                              const wc_tile_run *runs, ptrdiff_t runCount, float *v, ptrdiff_t stride, float *scratch) {
    if (m == 2) input_tiles(2, BT4, x, rows, cols, top, left, runs, runCount, v, stride, scratch);
    else input_tiles(4, BT6, x, rows, cols, top, left, runs, runCount, v, stride, scratch);
}

INLINE void output_tiles(int m, const float *AT, const float *mm, ptrdiff_t stride, float *y, ptrdiff_t rows,
                         ptrdiff_t cols, const wc_tile_run *runs, ptrdiff_t runCount, float *scratch) {
    const int alpha = m + 2;
    ptrdiff_t tiles = lane_count(runs, runCount), lanes = round_up(tiles);
    for (ptrdiff_t j = 0; j < tiles; j += LANES) {
        vec column[6], t[6][4], row[6], out[4];
        for (int b = 0; b < alpha; b++) {
            for (int a = 0; a < alpha; a++) column[a] = load(mm + (a * alpha + b) * stride + j);
            apply(AT, m, alpha, alpha, 1, column, out);
            for (int i = 0; i < m; i++) t[b][i] = out[i];
        }
        for (int i = 0; i < m; i++) {
            for (int b = 0; b < alpha; b++) row[b] = t[b][i];
            apply(AT, m, alpha, alpha, 1, row, out);
            for (int q = 0; q < m; q++) store(scratch + (i * m + q) * lanes + j, out[q]);
        }
    }
    ptrdiff_t lane = 0;
    for (ptrdiff_t n = 0; n < runCount; n++) {
        const wc_tile_run run = runs[n];
        for (int i = 0; i < m; i++) {
            ptrdiff_t r = run.tileRow * m + i;
            if (r >= rows) break;
            float *line = y + run.offset + r * cols + run.firstTile * m;
            ptrdiff_t width = min(run.count * m, cols - run.firstTile * m);
            for (int q = 0; q < m; q++) {
                const float *phase = scratch + (i * m + q) * lanes + lane;
                ptrdiff_t count = (width - q + m - 1) / m;
                for (ptrdiff_t j = 0; j < count; j++) line[j * m + q] = phase[j];
            }
        }
        lane += run.count;
    }
}

CLONES void wc_winograd_output(int m, const float *mm, ptrdiff_t stride, float *y, ptrdiff_t rows, ptrdiff_t cols,
                               const wc_tile_run *runs, ptrdiff_t runCount, float *scratch) {
    if (m == 2) output_tiles(2, AT4, mm, stride, y, rows, cols, runs, runCount, scratch);
    else output_tiles(4, AT6, mm, stride, y, rows, cols, runs, runCount, scratch);
}

INLINE void output_adjoint_tiles(int m, const float *AT, const float *dy, ptrdiff_t rows, ptrdiff_t cols,
                                 const wc_tile_run *runs, ptrdiff_t runCount, float *dm, ptrdiff_t stride,
                                 float *scratch) {
    const int alpha = m + 2;
    ptrdiff_t tiles = lane_count(runs, runCount), lanes = round_up(tiles);
    gather_tiles(m, m, m, dy, rows, cols, 0, 0, runs, runCount, lanes, scratch);
    for (ptrdiff_t j = 0; j < tiles; j += LANES) {
        vec d[4], t[4][6], column[4], out[6];
        for (int i = 0; i < m; i++) {
            for (int q = 0; q < m; q++) d[q] = load(scratch + (i * m + q) * lanes + j);
            apply(AT, alpha, m, 1, alpha, d, t[i]);
        }
        for (int b = 0; b < alpha; b++) {
            for (int i = 0; i < m; i++) column[i] = t[i][b];
            apply(AT, alpha, m, 1, alpha, column, out);
            for (int a = 0; a < alpha; a++) store(dm + (a * alpha + b) * stride + j, out[a]);
        }
    }
}

CLONES void wc_winograd_output_adjoint(int m, const float *dy, ptrdiff_t rows, ptrdiff_t cols, const wc_tile_run *runs,
                                       ptrdiff_t runCount, float *dm, ptrdiff_t stride, float *scratch) {
    if (m == 2) output_adjoint_tiles(2, AT4, dy, rows, cols, runs, runCount, dm, stride, scratch);
    else output_adjoint_tiles(4, AT6, dy, rows, cols, runs, runCount, dm, stride, scratch);
}
