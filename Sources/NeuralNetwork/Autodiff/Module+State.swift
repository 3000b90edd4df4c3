/// Saving and restoring a module's parameters and buffers by name (the state dict).
extension Module {
    /// Every parameter and buffer as a named tensor, parameters first, in the order of
    /// ``namedParameters(prefix:)`` and ``namedBuffers(prefix:)`` (buffers are 1-D).
    ///
    /// ```swift
    /// for (name, tensor) in model.namedTensors() { file.tensors[name] = (tensor.shape, tensor.scalars) }
    /// ```
    public func namedTensors() -> [(name: String, tensor: Tensor)] {
        namedParameters().map { ($0.name, $0.parameter.value) }
            + namedBuffers().map { ($0.name, Tensor(shape: [$0.buffer.values.count], scalars: $0.buffer.values)) }
    }

    /// Restores parameters and buffers from named tensors such as ``namedTensors()`` produced.
    /// Shapes of parameters must match; buffers only need the same element count.
    /// - Parameters:
    ///   - tensors: values by full name.
    ///   - strict: whether every parameter and buffer must be present (extra names are always
    ///     an error, as they mean a different model).
    /// - Throws: ``NetworkError`` naming the first missing, unexpected or mis-shaped entry;
    ///   nothing is changed then.
    public func load(namedTensors tensors: [String: Tensor], strict: Bool = true) throws {
        let parameters = namedParameters(), buffers = namedBuffers()
        let known = Set(parameters.map(\.name) + buffers.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw NetworkError.invalidArgument("unexpected tensor \(extra) for this model")
        }
        for (name, p) in parameters {
            guard let t = tensors[name] else {
                if strict { throw NetworkError.invalidArgument("missing parameter \(name)") }
                continue
            }
            guard t.shape == p.shape else {
                throw NetworkError.shapeMismatch("parameter \(name) has shape \(p.shape), the file \(t.shape)")
            }
        }
        for (name, b) in buffers {
            guard let t = tensors[name] else {
                if strict { throw NetworkError.invalidArgument("missing buffer \(name)") }
                continue
            }
            guard t.count == b.values.count else {
                throw NetworkError.shapeMismatch("buffer \(name) has \(b.values.count) values, the file \(t.count)")
            }
        }
        for (name, p) in parameters { if let t = tensors[name] { p.assign(t.scalars) } }
        for (name, b) in buffers { if let t = tensors[name] { b.values = t.scalars } }
    }
}
