import Foundation
import Testing
import TestSupport
import WeightedConvolution

/// The instruction-set tier: `WCONV_MAX_ISA` caps it, the process reports the tier it runs, and
/// the peak probe runs at every tier the processor has. (The numeric suites run once per tier
/// in scripts/test, with the variable set.)
@Suite struct InstructionSetTests {
    @Test func capValuesNameTheTiers() {
        #expect(InstructionSet(capValue: "avx512") == .avx512)
        #expect(InstructionSet(capValue: "AVX2") == .avx2)
        #expect(InstructionSet(capValue: "portable") == .portable)
        for bad in ["", "avx", "sse2", "avx512f", "avx2 "] { #expect(InstructionSet(capValue: bad) == nil, "\(bad)") }
        for tier in InstructionSet.allCases { #expect(InstructionSet(capValue: tier.name) == tier) }
    }

    /// In this process: the tier is the processor's best, lowered to WCONV_MAX_ISA when it names
    /// a lower one, and the own AVX-512 matrix product runs exactly at the AVX-512 tier.
    @Test func thisProcessRunsTheCappedTier() {
        let cap = ProcessInfo.processInfo.environment[InstructionSet.capVariable].flatMap(InstructionSet.init(capValue:))
        #expect(InstructionSet.active == min(InstructionSet.supported, cap ?? .avx512))
        #expect(MatrixProductKernel.packedAVX512.isAvailable == (InstructionSet.active == .avx512))
    }

    @Test func peakProbeRunsAtEverySupportedTier() {
        for tier in InstructionSet.allCases where tier <= InstructionSet.supported {
            let peak = FMAPeak.measure(tier: tier, threads: 2, seconds: 0.002)
            #expect(peak.gflops.isFinite && peak.gflops > 0, "\(tier)")
        }
    }

    /// A child `wconv bench peak` started with each cap reports that tier (or the processor's
    /// best, when the cap is above it), and an unknown value gives one warning line and the
    /// uncapped tier.
    @Test(.enabled(if: BuiltWconv.exists && !isDebugBuild, "needs a release wconv beside the tests"))
    func childProcessesHonourTheCap() throws {
        for tier in InstructionSet.allCases {
            let (out, errors) = try Self.runPeak(cap: tier.name)
            let expected = min(tier, InstructionSet.supported)
            #expect(out.hasPrefix("instruction set: \(expected.name) "), "\(out)")
            #expect(!errors.contains("warning"), "\(errors)")
        }
        let (out, errors) = try Self.runPeak(cap: "sse9")
        #expect(out.hasPrefix("instruction set: \(InstructionSet.supported.name) "), "\(out)")
        let warnings = errors.split(separator: "\n").filter { $0.contains("WCONV_MAX_ISA=sse9") }
        #expect(warnings.count == 1, "\(errors)")
    }

    /// Standard output and error of `wconv bench peak` run with WCONV_MAX_ISA=cap.
    static func runPeak(cap: String) throws -> (String, String) {
        let run = try BuiltWconv.run(
            ["bench", "peak", "--threads", "1", "--seconds", "0.001"], environment: [InstructionSet.capVariable: cap])
        #expect(run.status == 0, "\(run.errors)")
        return (run.out, run.errors)
    }
}
