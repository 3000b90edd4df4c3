import ArgumentParser

/// A library a benchmark can run alongside ours: the value of `--against`, the script of
/// `scripts/` that times it and the Python module that script imports.
protocol BenchFramework: RawRepresentable<String>, ExpressibleByArgument, CaseIterable, Sendable {
    /// The script that prints the framework's timings, run from the repository's root.
    static var script: String { get }
    /// The module the script imports (its absence skips the comparison with a message).
    static var module: String { get }
}

/// PyTorch (`scripts/pytorch-bench.py`), for `bench conv` and `bench train`.
enum PyTorchFramework: String, BenchFramework {
    case pytorch
    static let script = "scripts/pytorch-bench.py"
    static let module = "torch"
}

/// scipy.signal (`scripts/scipy-bench.py`), for `bench signal`.
enum SciPyFramework: String, BenchFramework {
    case scipy
    static let script = "scripts/scipy-bench.py"
    static let module = "scipy"
}

/// The options every benchmark with a comparison shares: `--against`, `--rounds` and
/// `--python`.
struct AnchorOptions<Framework: BenchFramework>: ParsableArguments {
    @Option(help: "Also run \(Framework.script), alternating with our timings.")
    var against: Framework?

    @Option(parsing: .unconditional, help: OptionRanges.rounds.help("Rounds, alternating with --against"), transform: OptionRanges.rounds.parse)
    var rounds = 3

    @Option(help: "The Python that has \(Framework.module) (default: .bench-venv/bin/python, else python3).")
    var python: String?

    /// The script and its Python when `--against` is given and a Python with the module is found;
    /// `nil` otherwise, after printing why the comparison is skipped when it was asked for.
    func anchor() -> PythonAnchor? {
        guard against != nil else { return nil }
        switch PythonAnchor.find(python: python, script: Framework.script, module: Framework.module) {
        case .success(let anchor): return anchor
        case .failure(let unavailable):
            print("\(Framework.module) comparison skipped: \(unavailable)\n")
            return nil
        }
    }
}
