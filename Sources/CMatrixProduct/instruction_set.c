// Choosing the instruction-set tier once (see instruction_set.h), and the register-only loop that
// measures the arithmetic peak of each tier.
#include "instruction_set.h"
#include "tiers.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static const char *const names[] = {"portable", "avx2", "avx512"};

const char *wc_isa_name(wc_isa tier) { return tier >= WC_ISA_PORTABLE && tier <= WC_ISA_AVX512 ? names[tier] : "?"; }

int wc_isa_parse(const char *value, wc_isa *tier) {
    for (int t = WC_ISA_PORTABLE; t <= WC_ISA_AVX512; t++)
        if (strcasecmp(value, names[t]) == 0) {
            *tier = (wc_isa)t;
            return 1;
        }
    return 0;
}

wc_isa wc_isa_supported(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return WC_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return WC_ISA_AVX2;
    return WC_ISA_PORTABLE;
}

static wc_isa active;
static pthread_once_t chosen = PTHREAD_ONCE_INIT;

static void choose(void) {
    active = wc_isa_supported();
    const char *cap = getenv("WCONV_MAX_ISA");
    if (!cap || !*cap) return;
    wc_isa limit;
    if (!wc_isa_parse(cap, &limit)) {
        fprintf(stderr, "warning: WCONV_MAX_ISA=%s is not avx512, avx2 or portable; using %s\n", cap,
                wc_isa_name(active));
        return;
    }
    if (limit < active) active = limit;
}

wc_isa wc_isa_active(void) {
    pthread_once(&chosen, choose);
    return active;
}

// Independent multiply-add chains per tier: more than the FMA latency times the FMA ports (4 × 2
// on the processors measured), few enough to stay in registers with the two operands. The empty
// asm statement makes each accumulator opaque, so the compiler cannot fold iterations together.
enum { CHAINS = 12 };

#define PEAK_LOOP(vector, lanes)                                                                       \
    typedef float vector __attribute__((vector_size(4 * lanes)));                                      \
    vector acc[CHAINS], x = (vector){0} + 0.999999f, y = (vector){0} + 1e-7f;                          \
    for (int c = 0; c < CHAINS; c++) acc[c] = (vector){0} + (float)c;                                  \
    for (long i = 0; i < iterations; i++) {                                                            \
        _Pragma("clang loop unroll(full)") for (int c = 0; c < CHAINS; c++) {                          \
            __asm__("" : "+x"(acc[c]));                                                                \
            acc[c] = acc[c] * x + y;                                                                   \
        }                                                                                              \
    }                                                                                                  \
    float sum = 0;                                                                                     \
    for (int c = 0; c < CHAINS; c++)                                                                   \
        for (int l = 0; l < lanes; l++) sum += acc[c][l];                                              \
    return sum;

WC_TARGET_AVX512 __attribute__((noinline)) static float peak_avx512(long iterations) { PEAK_LOOP(v16, 16) }
WC_TARGET_AVX2 __attribute__((noinline)) static float peak_avx2(long iterations) { PEAK_LOOP(v8, 8) }
__attribute__((noinline)) static float peak_portable(long iterations) { PEAK_LOOP(v4, 4) }

static int lanes_of(wc_isa tier) { return tier == WC_ISA_AVX512 ? 16 : tier == WC_ISA_AVX2 ? 8 : 4; }

double wc_fma_peak_flops_per_iteration(wc_isa tier) { return 2.0 * CHAINS * lanes_of(tier); }

float wc_fma_peak_loop(wc_isa tier, long iterations) {
    switch (tier) {
    case WC_ISA_AVX512: return peak_avx512(iterations);
    case WC_ISA_AVX2: return peak_avx2(iterations);
    default: return peak_portable(iterations);
    }
}
