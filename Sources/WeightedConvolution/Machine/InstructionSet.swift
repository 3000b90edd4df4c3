import CMatrixProduct

#if canImport(Glibc)
import Glibc
#endif

/// The instruction-set tiers of the package's hand-written kernels (`CMatrixProduct`): every
/// kernel is compiled once per tier, and all of them run the one tier chosen when the first
/// kernel is called — the best the processor supports, capped by the environment variable
/// `WCONV_MAX_ISA` (`avx512`, `avx2` or `portable`).
///
/// At the AVX-512 tier the direct engine's matrix products run the package's own AVX-512 kernel;
/// below it they run OpenBLAS's (whose own kernel choice `OPENBLAS_CORETYPE` sets). An unknown
/// `WCONV_MAX_ISA` value prints one warning line on standard error and leaves the tier uncapped;
/// a cap above what the processor supports changes nothing.
package enum InstructionSet: Int, Sendable, CaseIterable, Comparable {
    /// The build's baseline instruction set (SSE2 on x86-64): no fused multiply-add.
    case portable
    /// AVX2 with fused multiply-add: 8-float vectors.
    case avx2
    /// AVX-512F: 16-float vectors and lane masks.
    case avx512

    /// The environment variable that caps the tier.
    package static let capVariable = "WCONV_MAX_ISA"

    /// The tier the kernels run (chosen once per process).
    package static var active: InstructionSet { InstructionSet(wc_isa_active()) }

    /// The best tier this processor supports.
    package static var supported: InstructionSet { InstructionSet(wc_isa_supported()) }

    /// The tier a `WCONV_MAX_ISA` value names (any case), or nil.
    package init?(capValue: String) {
        var tier = WC_ISA_PORTABLE
        guard wc_isa_parse(capValue, &tier) != 0 else { return nil }
        self.init(tier)
    }

    private init(_ tier: wc_isa) { self = InstructionSet(rawValue: Int(tier.rawValue)) ?? .portable }

    /// The tier as the C kernels name it.
    var cValue: wc_isa { wc_isa(rawValue: UInt32(rawValue)) }

    /// The name `WCONV_MAX_ISA` takes for the tier: `avx512`, `avx2` or `portable`.
    package var name: String { String(cString: wc_isa_name(cValue)) }

    /// Orders the tiers from the baseline up.
    package static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    /// One line for reports, e.g. `instruction set: avx2 (processor: avx512, WCONV_MAX_ISA=avx2)`.
    package static var description: String {
        let cap = getenv(capVariable).map { ", \(capVariable)=\(String(cString: $0))" } ?? ""
        return "instruction set: \(active.name) (processor: \(supported.name)\(cap))"
    }
}
