// A single-threaded single-precision matrix product for processors with AVX-512, used by the
// direct convolution engine at the AVX-512 instruction-set tier (instruction_set.h); below it
// the engine calls OpenBLAS. (OpenBLAS may be told to run older kernels on such a processor;
// this product does not depend on that choice.)
#ifndef WEIGHTED_CONV_MATRIX_PRODUCT_H
#define WEIGHTED_CONV_MATRIX_PRODUCT_H
#include <stddef.h>

/// The tile of C one micro-kernel call computes: threaded callers split C along these units.
enum { WC_SGEMM_TILE_ROWS = 12, WC_SGEMM_TILE_COLUMNS = 32 };

/// Whether wc_sgemm runs: the active instruction-set tier is AVX-512 (the processor has AVX-512F
/// and WCONV_MAX_ISA does not cap it lower).
int wc_sgemm_available(void);

/// Floats of workspace wc_sgemm needs for an (m × n × k) product (64-byte aligned).
size_t wc_sgemm_workspace(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k);

/// C (m × n) = op(A) · op(B) + beta · C on row-major matrices, op(A) being m × k and op(B) k × n;
/// A is read transposed when transA is non-zero, B when transB is. With beta = 0, C is not read.
/// `workspace` holds at least wc_sgemm_workspace(m, n, k) floats, 64-byte aligned.
/// Only call when wc_sgemm_available() is non-zero.
void wc_sgemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
              const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
              float beta, float *c, ptrdiff_t ldc, float *workspace);

/// wc_sgemm with a gathered B: op(B)(p, j) = base[depthOffsets[p] + columnOffsets[j]] for p < k,
/// j < n (for instance the column matrix of a convolution read straight from its zero-padded
/// input, which is then never formed). Runs of consecutive offsets are read as vectors.
/// `workspace` holds at least wc_sgemm_workspace(m, n, k) floats, 64-byte aligned.
void wc_sgemm_gathered(int transA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                       const float *base, const ptrdiff_t *depthOffsets, const ptrdiff_t *columnOffsets,
                       float beta, float *c, ptrdiff_t ldc, float *workspace);

/// Floats of op(A) (m × k) packed whole by wc_sgemm_pack_a.
size_t wc_sgemm_packed_a_size(ptrdiff_t m, ptrdiff_t k);

/// Packs op(A) (m × k; A read transposed when transA is non-zero) into `packed`
/// (wc_sgemm_packed_a_size(m, k) floats) in the order wc_sgemm_packed reads it, so that a matrix
/// multiplied by many right-hand sides is packed once.
/// Only call when wc_sgemm_available() is non-zero.
void wc_sgemm_pack_a(int transA, ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t lda, float *packed);

/// wc_sgemm with op(A) packed by wc_sgemm_pack_a(…, m, k, …): the same C, without packing A.
/// `workspace` holds at least wc_sgemm_workspace(m, n, k) floats, 64-byte aligned.
void wc_sgemm_packed(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packedA, int transB, const float *b,
                     ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc, float *workspace);

#endif
