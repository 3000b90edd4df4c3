// swift-tools-version: 6.2
import PackageDescription

/// Layers, bottom to top (nothing points up):
/// CFFTW, CBLAS (system libraries), CCodecs (image codec shims), CMatrixProduct (AVX-512 matrix product) → WeightedConvolution (Grid, densities, convolution)
/// → NeuralNetwork (autodiff, layers, optimisers) and Datasets (file formats, batches)
/// → Models (VGG, ResNet, DnCNN, NAFNet) → Training (loop, metrics, reports, comparison)
/// → wconv (command line) and the examples.
/// Every module a target imports is listed in its dependencies (none is reached transitively).
/// No target has unsafe build flags, so other packages can depend on this one by version
/// (scripts/test-consumer checks it); speed comes from the code (unchecked buffer access in hot
/// loops, `@inlinable`, C kernels with target attributes), not from -Ounchecked.
let package = Package(
    name: "WeightedConv",
    products: [
        .library(name: "WeightedConvolution", targets: ["WeightedConvolution"]),
        .library(name: "NeuralNetwork", targets: ["NeuralNetwork"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Training", targets: ["Training"]),
        .executable(name: "wconv", targets: ["wconv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CCodecs", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        .target(name: "CMatrixProduct"),
        .target(name: "WeightedConvolution", dependencies: ["CFFTW", "CBLAS", "CMatrixProduct"]),
        .target(name: "NeuralNetwork", dependencies: ["WeightedConvolution"]),
        .target(name: "Datasets", dependencies: ["WeightedConvolution", "CCodecs"]),
        .target(name: "Models", dependencies: ["NeuralNetwork", "WeightedConvolution"]),
        .target(name: "Training", dependencies: ["NeuralNetwork", "Datasets", "Models"]),
        .executableTarget(
            name: "wconv",
            dependencies: [
                "WeightedConvolution", "NeuralNetwork", "Datasets", "Models", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "quickstart", dependencies: ["WeightedConvolution"], path: "Examples/QuickStart"),
        .executableTarget(
            name: "timeseries1d", dependencies: ["Datasets", "Models", "NeuralNetwork", "Training"],
            path: "Examples/TimeSeries1D"),
        .executableTarget(
            name: "volume3d", dependencies: ["Datasets", "Models", "NeuralNetwork", "Training", "WeightedConvolution"],
            path: "Examples/Volume3D"),
        .target(name: "TestSupport", dependencies: ["WeightedConvolution"], path: "Tests/TestSupport"),
        .testTarget(name: "WeightedConvolutionTests", dependencies: ["WeightedConvolution", "TestSupport"]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "WeightedConvolution", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "CCodecs", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NeuralNetwork", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Datasets", "Models", "NeuralNetwork", "TestSupport"]),
    ]
)
