// The instruction-set tier every hand-written kernel of CMatrixProduct runs: the best the
// processor has, capped by the environment variable WCONV_MAX_ISA (avx512, avx2 or portable),
// chosen once, on the first call, and shared by every kernel.
#ifndef WEIGHTED_CONV_INSTRUCTION_SET_H
#define WEIGHTED_CONV_INSTRUCTION_SET_H

/// The tiers, from the baseline up: each kernel is compiled once per tier.
typedef enum {
    WC_ISA_PORTABLE = 0, ///< The baseline instruction set of the build (SSE2 on x86-64), no FMA.
    WC_ISA_AVX2 = 1,     ///< AVX2 and FMA: 8-float vectors.
    WC_ISA_AVX512 = 2,   ///< AVX-512F: 16-float vectors and lane masks.
} wc_isa;

/// The best tier this processor supports.
wc_isa wc_isa_supported(void);

/// The tier the kernels run: wc_isa_supported() capped by WCONV_MAX_ISA, read once (on the first
/// call of any kernel or of this function). An unknown value prints one warning line on stderr
/// and leaves the tier uncapped; a cap above what the processor supports changes nothing.
wc_isa wc_isa_active(void);

/// The tier a WCONV_MAX_ISA value names ("avx512", "avx2" or "portable", any case) in *tier;
/// returns 0 (leaving *tier alone) when the value names none.
int wc_isa_parse(const char *value, wc_isa *tier);

/// The name of a tier as WCONV_MAX_ISA spells it.
const char *wc_isa_name(wc_isa tier);

/// Floating-point operations per iteration of wc_fma_peak_loop at `tier`.
double wc_fma_peak_flops_per_iteration(wc_isa tier);

/// Runs `iterations` iterations of a register-only loop of independent multiply-adds on the
/// widest vectors of `tier` (fused where the tier has FMA), for timing the processor's arithmetic
/// peak; returns a value that depends on every result (so that no work is optimised away).
/// `tier` must not exceed wc_isa_supported().
float wc_fma_peak_loop(wc_isa tier, long iterations);

#endif
