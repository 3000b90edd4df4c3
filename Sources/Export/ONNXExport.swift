import Foundation
import Models
import NeuralNetwork
import Training

/// The ONNX form of a trained run: opset 17 (IR version 8), one graph from the model's input to
/// its output, every weighted convolution an ordinary `Conv` with the folded kernel `W ⊙ Φ`.
///
/// Classifiers take `image` `[batch, C, S, S]` (pixels in [0, 1], normalised inside the graph with
/// the run's per-channel mean and standard deviation) and give `logits` `[batch, classes]`;
/// denoisers take `noisy` `[batch, C, height, width]` and give `denoised` of the same shape
/// (not clipped to [0, 1]). The batch axis, and a denoiser's height and width, are dynamic.
public enum ONNXExport {
    /// The operator set version of the default domain that the graph uses.
    public static let opsetVersion = 17
    /// The ONNX IR version that goes with ``opsetVersion``.
    public static let irVersion = 8

    /// The model of `run` as an ONNX model.
    /// - Throws: ``ExportError`` for a run on series or volumes (the graphs are written for
    ///   images only) and for a layer with no ONNX export.
    public static func model(of run: TrainedModel) throws -> Onnx_ModelProto {
        guard run.experiment.task.spatialRank == 2 else {
            throw ExportError("\(run.run.folder): an ONNX graph is written for image runs only; this run is on \(run.experiment.task.samples) "
                + "(--format safetensors writes its folded weights)")
        }
        let classification = run.experiment.task == .classification
        var layers = LayerGraphs(spatialRank: 2)
        let inputName = classification ? "image" : "noisy", outputName = classification ? "logits" : "denoised"
        var x = inputName
        if let (mean, std) = run.normalisation {
            let shape = [mean.count, 1, 1]
            let centred = layers.graph.add("Sub", [x, layers.graph.initializer("input.mean", shape: shape, values: mean)],
                                           name: "input.centred")
            x = layers.graph.add("Div", [centred, layers.graph.initializer("input.std", shape: shape, values: std)],
                                 name: "input.normalised")
        }
        let last = try layers.writeModel(run.model, input: x)
        _ = layers.graph.add("Identity", [last], name: outputName)

        var graph = Onnx_GraphProto()
        graph.name = "\(run.experiment.model)-\(run.kind.name)"
        graph.node = layers.graph.nodes
        graph.initializer = layers.graph.initializers
        let spatial: [Dimension] = classification ? [.fixed(run.size), .fixed(run.size)] : [.symbol("height"), .symbol("width")]
        graph.input = [valueInfo(inputName, [.symbol("batch"), .fixed(run.channels)] + spatial)]
        graph.output = [valueInfo(outputName, classification ? [.symbol("batch"), .fixed(run.classes)]
                                                             : [.symbol("batch"), .fixed(run.channels)] + spatial)]
        var model = Onnx_ModelProto()
        model.irVersion = Int64(irVersion)
        var opset = Onnx_OperatorSetIdProto()
        (opset.domain, opset.version) = ("", Int64(opsetVersion))
        model.opsetImport = [opset]
        model.producerName = "wconv"
        model.domain = "weightedconv"
        model.docString = "\(run.experiment.model) (\(run.kind.name) convolution) trained by wconv; weighted kernels folded as W ⊙ Φ, "
            + "batch norms kept as BatchNormalization with running statistics"
        model.graph = graph
        model.metadataProps = try metadata(of: run).sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            (entry.key, entry.value) = (key, value)
            return entry
        }
        return model
    }

    /// The metadata written with an export (ONNX `metadata_props`, safetensors `__metadata__`):
    /// `convolution`, `density` (the configured profile, outermost first), `trainable_density`,
    /// `layer_densities` (each weighted layer's density parameters after training, as JSON),
    /// or for a per-axis density `density_profiles` and `layer_densities`;
    /// `task`, `model`, `dataset`, `experiment` and `training_settings` (JSON), `batch_norm`, and
    /// for classifiers `classes`, `normalisation_mean`, `normalisation_std`.
    public static func metadata(of run: TrainedModel) throws -> [String: String] {
        let e = run.experiment
        var densities: [String: [Float]] = [:]
        for (name, p) in run.model.namedParameters() where name.hasSuffix(".density") {
            densities[String(name.dropLast(".density".count))] = p.value.scalars
        }
        var values = [
            "convolution": run.kind.name, "task": e.task.rawValue, "model": e.model.rawValue, "dataset": e.dataset.rawValue,
            "experiment": try JSONFiles.text(e, pretty: false), "training_settings": try JSONFiles.text(run.settings, pretty: false),
            "batch_norm": "BatchNormalization, inference mode (running mean and variance)",
        ]
        switch run.kind {
        case .standard: break
        case .weighted(let den, let trainable):
            values["density"] = try JSONFiles.text(den, pretty: false)
            values["trainable_density"] = String(trainable)
            values["layer_densities"] = try JSONFiles.text(densities, pretty: false)
        case .weightedPerAxis(let profiles):
            values["density_profiles"] = try JSONFiles.text(profiles, pretty: false)
            values["layer_densities"] = try JSONFiles.text(densities, pretty: false)
        }
        if let (mean, std) = run.normalisation {
            values["classes"] = String(run.classes)
            values["normalisation_mean"] = try JSONFiles.text(mean, pretty: false)
            values["normalisation_std"] = try JSONFiles.text(std, pretty: false)
        }
        return values
    }

    /// An axis of a graph input or output.
    enum Dimension {
        /// A fixed extent.
        case fixed(Int)
        /// A named extent chosen when the model runs.
        case symbol(String)
    }

    /// A float tensor value `name` of the given axes.
    static func valueInfo(_ name: String, _ dimensions: [Dimension]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dimensions.map { dimension in
            var d = Onnx_TensorShapeProto.Dimension()
            switch dimension {
            case .fixed(let extent): d.dimValue = Int64(extent)
            case .symbol(let symbol): d.dimParam = symbol
            }
            return d
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }
}
