// swift-tools-version: 6.2
import Foundation
import PackageDescription

/// Layers, bottom to top (nothing points up):
/// CFFTW, CBLAS, CNLopt, CSQLite (system libraries), CCodecs (image codec shims), CMatrixProduct (C kernels per instruction-set tier)
/// → GridCore (Grid storage, padding, seeded generator, compute threads and OpenBLAS's thread count,
///   bounded workspaces, vector kernels, row-major offsets, checked sizes; uses CBLAS)
/// → WeightedConvolution (densities, convolution engines and planner, the signal API)
/// → NeuralNetwork (autodiff, layers, optimisers) and Datasets (file formats, batches; GridCore only)
/// → Models (VGG, ResNet, DnCNN, NAFNet) → Training (loop, metrics, reports, comparison)
/// → Tuning (density search with NLopt, SQLite study store; uses CNLopt, CSQLite) → wconv (command line) and the examples.
/// Export (trained runs as ONNX graphs and PyTorch-named safetensors; above Training and Models) → wconv;
///   only Export uses SwiftProtobuf (the runtime library; its generated code is committed, no protoc step).
/// Beside them: Communication (the `Communicator` protocol and its single-process implementation, no
/// dependencies) under NeuralNetwork (synchronised batch norm) and Training (data-parallel steps);
/// CMPI (Open MPI, system library) → Cluster (`MPICommunicator`, job dispatch) → wconv. Only wconv and
/// ClusterTests link MPI, and only when `pkg-config` finds `ompi-c` (Debian libopenmpi-dev);
/// without it the package builds without CMPI and Cluster (`WCONV_MPI=0` leaves them out too).
/// Every module a target imports is listed in its dependencies (none is reached transitively, and
/// no module re-exports another: a file that uses `Grid` imports GridCore).
/// No target has unsafe build flags, so other packages can depend on this one by version
/// (scripts/test-consumer checks it); speed comes from the code (unchecked buffer access in hot
/// loops, C kernels with target attributes), not from -Ounchecked.

/// Whether Open MPI's C library is installed (and not switched off with `WCONV_MPI=0`).
let mpiAvailable: Bool = {
    guard ProcessInfo.processInfo.environment["WCONV_MPI"] != "0" else { return false }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["pkg-config", "--exists", "ompi-c"]
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}()
let mpiTargets: [Target] = mpiAvailable ? [
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .target(name: "Cluster", dependencies: ["CMPI", "Communication"]),
    .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Communication", "Training", "Models", "Datasets", "NeuralNetwork", "Tuning", "GridCore", "TestSupport"]),
] : []

let package = Package(
    name: "WeightedConv",
    products: [
        .library(name: "GridCore", targets: ["GridCore"]),
        .library(name: "WeightedConvolution", targets: ["WeightedConvolution"]),
        .library(name: "NeuralNetwork", targets: ["NeuralNetwork"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Tuning", targets: ["Tuning"]),
        .library(name: "Export", targets: ["Export"]),
        .library(name: "Communication", targets: ["Communication"]),
    ] + (mpiAvailable ? [.library(name: "Cluster", targets: ["Cluster"])] : []) + [
        .executable(name: "wconv", targets: ["wconv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CNLopt", pkgConfig: "nlopt", providers: [.apt(["libnlopt-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CCodecs", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        .target(name: "CMatrixProduct"),
        .target(name: "GridCore", dependencies: ["CBLAS"]),
        .target(name: "WeightedConvolution", dependencies: ["GridCore", "CFFTW", "CBLAS", "CMatrixProduct"]),
        .target(name: "Communication"),
        .target(name: "NeuralNetwork", dependencies: ["GridCore", "WeightedConvolution", "Communication"]),
        .target(name: "Datasets", dependencies: ["GridCore", "CCodecs"]),
        .target(name: "Models", dependencies: ["NeuralNetwork", "WeightedConvolution"]),
        .target(name: "Training", dependencies: ["GridCore", "WeightedConvolution", "NeuralNetwork", "Datasets", "Models", "Communication"]),
        .target(name: "Tuning", dependencies: ["GridCore", "Training", "Models", "Datasets", "Communication", "CNLopt", "CSQLite"]),
        .target(name: "Export", dependencies: ["GridCore", "WeightedConvolution", "NeuralNetwork", "Datasets", "Models", "Training",
                                               .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(
            name: "wconv",
            dependencies: [
                "GridCore", "WeightedConvolution", "NeuralNetwork", "Datasets", "Models", "Training", "Communication", "Tuning", "Export",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ] + (mpiAvailable ? ["Cluster"] : [])),
        .executableTarget(name: "quickstart", dependencies: ["GridCore", "WeightedConvolution"], path: "Examples/QuickStart"),
        .executableTarget(
            name: "timeseries1d",
            dependencies: ["NeuralNetwork", "Training", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/TimeSeries1D"),
        .executableTarget(
            name: "volume3d",
            dependencies: ["NeuralNetwork", "Training", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/Volume3D"),
        .target(name: "TestSupport", dependencies: ["GridCore", "WeightedConvolution", "NeuralNetwork", "Datasets", "Training", "Tuning"], path: "Tests/TestSupport"),
        .testTarget(name: "GridCoreTests", dependencies: ["GridCore", "TestSupport"]),
        .testTarget(name: "WeightedConvolutionTests", dependencies: ["WeightedConvolution", "GridCore", "TestSupport"]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "GridCore", "WeightedConvolution", "Communication", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "CCodecs", "TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["Datasets", "GridCore", "WeightedConvolution", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NeuralNetwork", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Datasets", "Models", "NeuralNetwork", "WeightedConvolution", "GridCore", "TestSupport"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Training", "Models", "NeuralNetwork", "Datasets", "WeightedConvolution",
                                                        "TestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning", "Training", "GridCore", "WeightedConvolution", "CSQLite", "TestSupport"]),
    ] + mpiTargets
)
