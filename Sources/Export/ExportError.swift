/// Why a trained run cannot be exported: a missing or inconsistent run folder, a layer with no
/// standard ONNX equivalent, or an output path that would overwrite the run's own files.
public struct ExportError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, naming the file or layer.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}
