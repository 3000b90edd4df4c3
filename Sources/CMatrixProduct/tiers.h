// Compiling a kernel once per instruction-set tier (private to CMatrixProduct). A kernel's code is
// written once, as an always-inline body whose first parameter is the tier (a constant in each
// copy, for register-block sizes that depend on it); WC_TIERED emits one copy of it per tier,
// each under that tier's target attribute (so the compiler vectorises and contracts multiply-adds
// for it), and the public function, which calls the copy of the tier wc_isa_active() chose.
#ifndef WEIGHTED_CONV_TIERS_H
#define WEIGHTED_CONV_TIERS_H
#include "instruction_set.h"

// The bodies pass 16-float vectors between always-inline helpers only: no call crosses the
// vector ABI that differs between tiers, so the compiler's warning about it does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

#define WC_TARGET_AVX512 __attribute__((target("avx512f,fma")))
#define WC_TARGET_AVX2 __attribute__((target("avx2,fma")))

#define WC_LIST(...) __VA_ARGS__

// void name(params) calling name##_body(tier, args) at the active tier; `params` and `args` are
// parenthesised lists.
#define WC_TIERED(name, params, args)                                                               \
    WC_TARGET_AVX512 static void name##_avx512 params { name##_body(WC_ISA_AVX512, WC_LIST args); } \
    WC_TARGET_AVX2 static void name##_avx2 params { name##_body(WC_ISA_AVX2, WC_LIST args); }       \
    static void name##_portable params { name##_body(WC_ISA_PORTABLE, WC_LIST args); }              \
    void name params {                                                                              \
        switch (wc_isa_active()) {                                                                  \
        case WC_ISA_AVX512: name##_avx512 args; break;                                              \
        case WC_ISA_AVX2: name##_avx2 args; break;                                                  \
        default: name##_portable args; break;                                                       \
        }                                                                                           \
    }

#endif
