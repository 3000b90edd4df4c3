import ArgumentParser
import Datasets
import Export
import Training

/// `wconv export`: a trained run as an ONNX model or as PyTorch-named safetensors, with every
/// weighted kernel folded (`W ⊙ Φ`); optionally `wconv`'s own outputs on given inputs, for
/// checking the export against another runtime.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained run as ONNX (opset 17) or as safetensors with PyTorch names (folded W ⊙ Φ kernels).",
        discussion: """
            RUN_DIR is the --output folder of wconv train, or an arm's folder of wconv compare (config.json and \
            model.safetensors, else the last checkpoint). The ONNX \
            graph takes `image` [batch, C, S, S] (raw pixels; normalised inside) and gives `logits` for a \
            classifier; it takes `noisy` [batch, C, height, width] and gives `denoised` for a denoiser.
            """)

    @Argument(help: ArgumentHelp("The run folder (written by wconv train, or an arm's folder of wconv compare).", valueName: "RUN_DIR"))
    var runFolder: String
    @Option(help: "onnx or safetensors (folded weights under PyTorch names).") var format = ExportFormat.onnx
    @Option(help: "The file to write (default: RUN_DIR/model.onnx or RUN_DIR/model-pytorch.safetensors).") var output: String?
    @Option(help: "A .npy of inputs [B, C, H, W] to run through the model (with --check-output).") var checkInput: String?
    @Option(help: "Where to write wconv's outputs for --check-input, as .npy.") var checkOutput: String?

    func run() throws {
        guard (checkInput == nil) == (checkOutput == nil) else {
            throw CommandFailure("--check-input and --check-output go together")
        }
        let run = try TrainedRun(folder: runFolder)
        let path = output ?? runFolder + "/" + format.defaultFileName
        try run.refuseOverwritingInputs(path, others: [checkInput, checkOutput].compactMap { $0 })
        if let checkOutput { try run.refuseOverwritingInputs(checkOutput, others: [checkInput, path].compactMap { $0 }) }
        let trained = try run.loadModel()
        if let checkInput, let checkOutput {
            let (shape, values) = try Npy.read(checkInput)
            let outputs = try trained.outputs(input: values, shape: shape)
            guard outputs.scalars.allSatisfy(\.isFinite) else { throw CommandFailure("the model's outputs for \(checkInput) are not finite") }
            try Npy.write(outputs.scalars, shape: outputs.shape, to: checkOutput)
            print("outputs for \(checkInput) in \(checkOutput)")
        }
        try trained.export(format, to: path)
        print("written \(path) (\(format.rawValue), \(trained.experiment.model), \(trained.kind.name) convolution)")
    }
}

extension ExportFormat: ExpressibleByArgument {}
