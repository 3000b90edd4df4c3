// Blocked matrix product in the manner of Goto and van de Geijn ("Anatomy of high-performance
// matrix multiplication", 2008): op(B) is packed into panels of NR columns (kept in L3, one
// panel in L1 at a time), op(A) into slivers of MR rows (kept in L2), and a register-blocked
// micro-kernel computes an MR × NR tile of C with 24 vector accumulators.
#include "matrix_product.h"
#include "tiers.h"
#include <immintrin.h>

enum {
    MR = WC_SGEMM_TILE_ROWS,     // rows of C per micro-tile (12 broadcasts of packed A)
    NR = WC_SGEMM_TILE_COLUMNS,  // columns of C per micro-tile (two 16-float vectors of packed B)
    KC = 256,  // depth of a packed block: one B panel is KC × NR × 4 B = 32 KiB, inside L1
    MC = 192,  // rows of a packed A block (16 slivers, 192 KiB, inside L2)
    NC = 2048  // columns of a packed B block (2 MiB, inside L3)
};

#define TARGET __attribute__((target("avx512f,fma")))

int wc_sgemm_available(void) { return wc_isa_active() == WC_ISA_AVX512; }

static ptrdiff_t min(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }
static ptrdiff_t round_up(ptrdiff_t a, ptrdiff_t b) { return (a + b - 1) / b * b; }

// Floats of the packed A block, a multiple of 16 so that the B block after it stays aligned.
static ptrdiff_t packed_a_size(ptrdiff_t m, ptrdiff_t k) { return round_up(min(k, KC) * round_up(min(m, MC), MR), 16); }

size_t wc_sgemm_workspace(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k) {
    return (size_t)(packed_a_size(m, k) + min(k, KC) * round_up(min(n, NC), NR));
}

// Transposes a 16 × 16 block in registers: out[t] holds element t of every r[i]. Unpacks and
// shuffles within 128-bit lanes transpose the 4 × 4 pieces, two lane shuffles move the pieces
// into place. r is used as scratch.
TARGET static void transpose16(__m512 r[16], __m512 out[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {  // r[g + c]: column 4l + c of rows g…g+3 in lane l
        r[g] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
        r[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
        r[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        r[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        __m512 evenLow = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), oddLow = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        __m512 evenHigh = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        __m512 oddHigh = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
        out[c] = _mm512_shuffle_f32x4(evenLow, evenHigh, 0x88);
        out[8 + c] = _mm512_shuffle_f32x4(evenLow, evenHigh, 0xDD);
        out[4 + c] = _mm512_shuffle_f32x4(oddLow, oddHigh, 0x88);
        out[12 + c] = _mm512_shuffle_f32x4(oddLow, oddHigh, 0xDD);
    }
}

static __mmask16 first_lanes(int count) { return (__mmask16)(count >= 16 ? 0xFFFF : count <= 0 ? 0 : (1u << count) - 1); }

// Packs `width` (≤ 16) strided lines of `src` (line i at src + i·ld, depth kc) depth-major into
// dst, `step` floats per depth step, through 16 × 16 transposes; lanes past `width` are zero.
TARGET static void pack_lines(const float *src, ptrdiff_t ld, int width, ptrdiff_t kc, float *dst, int step) {
    __mmask16 store = first_lanes(step);
    __m512 block[16], lines[16];
    for (ptrdiff_t p = 0; p < kc; p += 16) {
        int depth = (int)min(16, kc - p);
        __mmask16 mask = first_lanes(depth);
        for (int i = 0; i < 16; i++) lines[i] = i < width ? _mm512_maskz_loadu_ps(mask, src + i * ld + p) : _mm512_setzero_ps();
        transpose16(lines, block);
        for (int t = 0; t < depth; t++) _mm512_mask_storeu_ps(dst + (p + t) * step, store, block[t]);
    }
}

// Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) into slivers of MR rows, each laid
// out depth-major (MR values per depth step); rows past m are zero.
TARGET static void pack_a(int trans, const float *a, ptrdiff_t lda, ptrdiff_t i0, ptrdiff_t mc, ptrdiff_t p0,
                          ptrdiff_t kc, float *dst) {
    for (ptrdiff_t i = 0; i < mc; i += MR, dst += MR * kc) {
        int rows = (int)min(MR, mc - i);
        if (trans) {
            __mmask16 mask = first_lanes(rows);
            for (ptrdiff_t p = 0; p < kc; p++)
                _mm512_mask_storeu_ps(dst + p * MR, first_lanes(MR), _mm512_maskz_loadu_ps(mask, a + (p0 + p) * lda + i0 + i));
        } else {
            pack_lines(a + (i0 + i) * lda + p0, lda, rows, kc, dst, MR);
        }
    }
}

// op(B) as the driver reads it: a dense row-major matrix `b` (transposed when `trans` is
// non-zero, rows `ldb` apart), or, when `depth` is not NULL, the gathered matrix
// B(p, j) = b[depth[p] + columns[j]].
typedef struct {
    const float *b;
    ptrdiff_t ldb;
    int trans;
    const ptrdiff_t *depth, *columns;
} operand_b;

// Packs 16 columns of a dense op(B), depth [0, kc), from `src` (column j at src + j, rows ldb
// apart), into dst with NR floats per depth step; lanes past `width` are zero.
TARGET static void pack_dense_half(const float *src, ptrdiff_t ldb, int width, ptrdiff_t kc, float *dst) {
    __mmask16 mask = first_lanes(width);
    for (ptrdiff_t p = 0; p < kc; p++) _mm512_store_ps(dst + p * NR, _mm512_maskz_loadu_ps(mask, src + p * ldb));
}

// A run of consecutive offsets among 16 lanes: lanes `mask` read offset + lane.
typedef struct {
    __mmask16 mask;
    ptrdiff_t offset;
} run;

// The end of the run of offsets `step` apart that starts at offsets[s] (s < count).
static int run_end(const ptrdiff_t *offsets, int s, int count, ptrdiff_t step) {
    int e = s + 1;
    while (e < count && offsets[e] == offsets[e - 1] + step) e++;
    return e;
}

// Splits offsets[0 ..< count] (count ≤ 16) into runs of consecutive values; returns how many.
static int runs_of(const ptrdiff_t *offsets, int count, run runs[16]) {
    int n = 0;
    for (int s = 0; s < count;) {
        int e = run_end(offsets, s, count, 1);
        runs[n++] = (run){(__mmask16)(first_lanes(e) & ~first_lanes(s)), offsets[s] - s};
        s = e;
    }
    return n;
}

// The runs of consecutive offsets among up to 16 values.
typedef struct {
    int count;
    run runs[16];
} run_list;

// The 16 lanes of `runs` read from `base` with one masked load per run (others zero).
__attribute__((always_inline)) TARGET static inline __m512 load_runs(const float *base, const run *runs, int count) {
    __m512 v = _mm512_setzero_ps();
    for (int r = 0; r < count; r++) v = _mm512_mask_loadu_ps(v, runs[r].mask, base + runs[r].offset);
    return v;
}

// Runs per 16 lanes up to which masked loads beat gathers.
enum { FEW_RUNS = 4 };

// A run of lanes reading every other float (the columns of a stride-2 convolution): lanes
// `mask` read offset + 2·(lane − first), taken from a 32-float window at `offset` by a
// two-source permutation (`index`); `low` and `high` are the window's floats the run reads.
typedef struct {
    __mmask16 mask, low, high;
    ptrdiff_t offset;
    __m512i index;
} strided_run;

// Splits offsets[0 ..< count] (count ≤ 16) into runs of offsets 2 apart; returns how many.
TARGET static int strided_runs_of(const ptrdiff_t *offsets, int count, strided_run runs[16]) {
    int n = 0;
    for (int s = 0; s < count;) {
        int e = run_end(offsets, s, count, 2);
        int reach = 2 * (e - s - 1);  // the window's last float read
        int index[16];
        for (int j = 0; j < 16; j++) index[j] = j >= s && j < e ? 2 * (j - s) : 0;
        runs[n++] = (strided_run){(__mmask16)(first_lanes(e) & ~first_lanes(s)), first_lanes(reach + 1),
                                  first_lanes(reach - 15), offsets[s], _mm512_loadu_si512(index)};
        s = e;
    }
    return n;
}

// The 16 lanes of `runs` read from `base` (others zero): two masked loads and a permutation per run.
__attribute__((always_inline)) TARGET static inline __m512 load_strided_runs(const float *base, const strided_run *runs,
                                                                             int count) {
    __m512 v = _mm512_setzero_ps();
    for (int r = 0; r < count; r++) {
        const float *window = base + runs[r].offset;
        __m512 low = _mm512_maskz_loadu_ps(runs[r].low, window), high = _mm512_maskz_loadu_ps(runs[r].high, window + 16);
        v = _mm512_mask_mov_ps(v, runs[r].mask, _mm512_permutex2var_ps(low, runs[r].index, high));
    }
    return v;
}

// Packs 16 columns of a gathered op(B) (`width` of them, column j reading base + columns[j]),
// depth [0, kc) (depth p reading + depth[p]), into dst with NR floats per depth step; lanes past
// `width` are zero. Runs of consecutive column offsets become masked vector loads per depth
// step; else runs of offsets 2 apart (a stride-2 convolution's columns) two masked loads and a
// permutation each; else runs of consecutive depth offsets become masked loads per column and
// 16 × 16 transposes; else the elements are gathered.
TARGET static void pack_gathered_half(const float *base, const ptrdiff_t *depth, const run_list *steps,
                                      const ptrdiff_t *columns, int width, ptrdiff_t kc, float *dst) {
    run lanes[16];
    int laneRuns = runs_of(columns, width, lanes);
    if (laneRuns <= FEW_RUNS) {
        for (ptrdiff_t p = 0; p < kc; p++) _mm512_store_ps(dst + p * NR, load_runs(base + depth[p], lanes, laneRuns));
        return;
    }
    strided_run strided[16];
    int stridedRuns = strided_runs_of(columns, width, strided);
    if (stridedRuns <= FEW_RUNS / 2) {
        for (ptrdiff_t p = 0; p < kc; p++) _mm512_store_ps(dst + p * NR, load_strided_runs(base + depth[p], strided, stridedRuns));
        return;
    }
    __m512i low = _mm512_maskz_loadu_epi64((__mmask8)first_lanes(width), columns);
    __m512i high = _mm512_maskz_loadu_epi64((__mmask8)first_lanes(width - 8), columns + 8);
    __mmask8 lowMask = (__mmask8)first_lanes(width), highMask = (__mmask8)first_lanes(width - 8);
    for (ptrdiff_t p = 0; p < kc; p += 16) {
        int count = (int)min(16, kc - p);
        const run_list *step = &steps[p / 16];
        if (step->count <= FEW_RUNS) {
            __m512 block[16], lines[16];
            for (int i = 0; i < 16; i++)
                lines[i] = i < width ? load_runs(base + columns[i], step->runs, step->count) : _mm512_setzero_ps();
            transpose16(lines, block);
            for (int t = 0; t < count; t++) _mm512_store_ps(dst + (p + t) * NR, block[t]);
            continue;
        }
        for (int t = 0; t < count; t++) {
            const float *row = base + depth[p + t];
            __m256 first = _mm512_mask_i64gather_ps(_mm256_setzero_ps(), lowMask, low, row, 4);
            __m256 second = _mm512_mask_i64gather_ps(_mm256_setzero_ps(), highMask, high, row, 4);
            __m512d both = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(first)), _mm256_castps_pd(second), 1);
            _mm512_store_ps(dst + (p + t) * NR, _mm512_castpd_ps(both));
        }
    }
}

// The common case of a gathered panel: each 16-column half is one run of consecutive offsets
// (positions along an output line), so every depth step is one masked load per half. Lanes past
// `cols` are zero (their products are never stored; zeros keep stale denormals out of the FMAs).
// Returns whether the panel was packed (else the caller takes the general route).
TARGET static int pack_gathered_lines(const float *base, const ptrdiff_t *depth, const ptrdiff_t *columns, int cols,
                                      ptrdiff_t kc, float *dst) {
    run low[16], high[16] = {{0, 0}};  // an empty second half reads nothing (mask 0)
    int lowWidth = cols < 16 ? cols : 16, highWidth = cols - lowWidth;
    if (runs_of(columns, lowWidth, low) != 1 || (highWidth > 0 && runs_of(columns + 16, highWidth, high) != 1)) return 0;
    const float *first = base + low[0].offset, *second = base + high[0].offset;
    for (ptrdiff_t p = 0; p < kc; p++) {
        _mm512_store_ps(dst + p * NR, _mm512_maskz_loadu_ps(low[0].mask, first + depth[p]));
        _mm512_store_ps(dst + p * NR + 16, _mm512_maskz_loadu_ps(high[0].mask, second + depth[p]));
    }
    return 1;
}

// Packs depth [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into panels of NR columns, each
// laid out depth-major (NR values per depth step); columns past n are zero.
TARGET static void pack_b(const operand_b *B, ptrdiff_t p0, ptrdiff_t kc, ptrdiff_t j0, ptrdiff_t nc, float *dst) {
    run_list steps[KC / 16];  // gathered: the depth runs of each 16-step block, shared by every panel
    if (B->depth)
        for (ptrdiff_t p = 0; p < kc; p += 16) steps[p / 16].count = runs_of(B->depth + p0 + p, (int)min(16, kc - p), steps[p / 16].runs);
    for (ptrdiff_t j = 0; j < nc; j += NR, dst += NR * kc) {
        int cols = (int)min(NR, nc - j);
        if (B->depth && pack_gathered_lines(B->b, B->depth + p0, B->columns + j0 + j, cols, kc, dst)) continue;
        for (int h = 0; h < NR; h += 16) {
            int width = cols - h < 0 ? 0 : cols - h > 16 ? 16 : cols - h;
            ptrdiff_t column = j0 + j + h;
            if (B->depth) pack_gathered_half(B->b, B->depth + p0, steps, B->columns + column, width, kc, dst + h);
            else if (B->trans) pack_lines(B->b + column * B->ldb + p0, B->ldb, width, kc, dst + h, NR);
            else pack_dense_half(B->b + p0 * B->ldb + column, B->ldb, width, kc, dst + h);
        }
    }
}

// C tile (rows × cols, rows ≤ R ≤ MR, cols ≤ NR) = packed A sliver · packed B panel + beta · C
// tile, with R × 2 vector accumulators; R is a constant in each caller below, so the loops over
// it unroll and the accumulators stay in registers.
__attribute__((always_inline)) TARGET static inline void tile_product(
    int R, ptrdiff_t kc, const float *restrict a, const float *restrict b, float *c, ptrdiff_t ldc, float beta,
    int rows, int cols) {
    __m512 acc[MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + r * ldc + 16), _MM_HINT_T0);
    }
    for (ptrdiff_t p = 0; p < kc; p++, a += MR, b += NR) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            __m512 ar = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    __mmask16 low = first_lanes(cols), high = first_lanes(cols - 16);
    __m512 vbeta = _mm512_set1_ps(beta);
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++) {
        if (r >= rows) continue;
        float *row = c + r * ldc;
        if (beta != 0) {
            acc[r][0] = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(low, row), acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(high, row + 16), acc[r][1]);
        }
        _mm512_mask_storeu_ps(row, low, acc[r][0]);
        _mm512_mask_storeu_ps(row + 16, high, acc[r][1]);
    }
}

// The micro-kernel: a full 12-row sliver, or a short last sliver with only the accumulators it
// needs (4 or 8 rows), so that row counts that are not multiples of 12 waste no work.
TARGET static void micro_kernel(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc, float beta,
                                int rows, int cols) {
    if (rows > 8) tile_product(MR, kc, a, b, c, ldc, beta, rows, cols);
    else if (rows > 4) tile_product(8, kc, a, b, c, ldc, beta, rows, cols);
    else tile_product(4, kc, a, b, c, ldc, beta, rows, cols);
}

// Where block (p0, i0) of an A packed whole (wc_sgemm_pack_a) starts: the blocks of earlier
// depths fill round_up(m, MR) rows each, and the MC-row blocks before i0 are whole slivers.
static ptrdiff_t packed_block(ptrdiff_t m, ptrdiff_t p0, ptrdiff_t i0, ptrdiff_t kc) { return p0 * round_up(m, MR) + i0 * kc; }

size_t wc_sgemm_packed_a_size(ptrdiff_t m, ptrdiff_t k) { return (size_t)(round_up(m, MR) * k); }

TARGET void wc_sgemm_pack_a(int transA, ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t lda, float *packed) {
    for (ptrdiff_t p0 = 0; p0 < k; p0 += KC) {
        ptrdiff_t kc = min(KC, k - p0);
        for (ptrdiff_t i0 = 0; i0 < m; i0 += MC) pack_a(transA, a, lda, i0, min(MC, m - i0), p0, kc, packed + packed_block(m, p0, i0, kc));
    }
}

// The blocked product C = op(A) · op(B) + beta · C shared by the entry points; A is packed block
// by block into the workspace, or read from `prepacked` (wc_sgemm_pack_a) when that is not NULL.
TARGET static void product(int transA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                           const float *prepacked, const operand_b *B, float beta, float *c, ptrdiff_t ldc,
                           float *workspace) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return;
    }
    float *packedA = workspace, *packedB = workspace + packed_a_size(m, k);
    for (ptrdiff_t j0 = 0; j0 < n; j0 += NC) {
        ptrdiff_t nc = min(NC, n - j0);
        for (ptrdiff_t p0 = 0; p0 < k; p0 += KC) {
            ptrdiff_t kc = min(KC, k - p0);
            float blockBeta = p0 == 0 ? beta : 1;
            pack_b(B, p0, kc, j0, nc, packedB);
            for (ptrdiff_t i0 = 0; i0 < m; i0 += MC) {
                ptrdiff_t mc = min(MC, m - i0);
                const float *blockA = packedA;
                if (prepacked) blockA = prepacked + packed_block(m, p0, i0, kc);
                else pack_a(transA, a, lda, i0, mc, p0, kc, packedA);
                for (ptrdiff_t j = 0; j < nc; j += NR) {
                    const float *panel = packedB + j * kc;
                    for (ptrdiff_t i = 0; i < mc; i += MR) {
                        micro_kernel(kc, blockA + i * kc, panel, c + (i0 + i) * ldc + j0 + j, ldc, blockBeta,
                                     (int)min(MR, mc - i), (int)min(NR, nc - j));
                    }
                }
            }
        }
    }
}

TARGET void wc_sgemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc, float *workspace) {
    operand_b B = {b, ldb, transB, NULL, NULL};
    product(transA, m, n, k, a, lda, NULL, &B, beta, c, ldc, workspace);
}

TARGET void wc_sgemm_packed(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packedA, int transB, const float *b,
                            ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc, float *workspace) {
    operand_b B = {b, ldb, transB, NULL, NULL};
    product(0, m, n, k, NULL, 0, packedA, &B, beta, c, ldc, workspace);
}

TARGET void wc_sgemm_gathered(int transA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                              const float *base, const ptrdiff_t *depthOffsets, const ptrdiff_t *columnOffsets,
                              float beta, float *c, ptrdiff_t ldc, float *workspace) {
    operand_b B = {base, 0, 0, depthOffsets, columnOffsets};
    product(transA, m, n, k, a, lda, NULL, &B, beta, c, ldc, workspace);
}
