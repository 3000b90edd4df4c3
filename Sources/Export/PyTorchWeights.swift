import Datasets
import NeuralNetwork
import Training

/// The trained weights under the names of a plain PyTorch definition of the same model
/// (`features.0.weight`, `layers.1.0.bn1.running_mean`, …), with every weighted kernel folded
/// (`W ⊙ Φ`, so an ordinary `nn.Conv2d` holds it) and no `density` tensors: what
/// `model.load_state_dict(safetensors.torch.load_file(path))` expects.
public enum PyTorchWeights {
    /// The folded weights of `run` with the export metadata (see ``ONNXExport/metadata(of:)``).
    /// Batch-norm `num_batches_tracked` counts are 0-dimensional, as in PyTorch.
    /// - Throws: `ConvolutionError` (`WeightedConvolution`) when a density does not fit its kernel.
    public static func file(of run: TrainedModel) throws -> SafeTensors {
        var file = SafeTensors(metadata: try ONNXExport.metadata(of: run))
        try collect(run.model, path: "", into: &file)
        return file
    }

    private static func collect(_ module: any Module, path: String, into file: inout SafeTensors) throws {
        let folded = try (module as? Convolution)?.foldedKernel()
        for p in module.ownParameters where !(module is Convolution && p.name == "density") {
            file.tensors[join(path, p.name)] = (p.shape, p.name == "weight" ? folded ?? p.value.scalars : p.value.scalars)
        }
        for b in module.ownBuffers {
            file.tensors[join(path, b.name)] = (b.name == "num_batches_tracked" ? [] : [b.values.count], b.values)
        }
        for (name, child) in module.children { try collect(child, path: join(path, name), into: &file) }
    }
}
