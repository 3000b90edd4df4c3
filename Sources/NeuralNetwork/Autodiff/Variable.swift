import GridCore

/// A node of the computation graph: a value, its accumulated gradient, and how to send that
/// gradient to the nodes it was computed from (define-by-run reverse-mode differentiation).
///
/// Ops create variables with a `backward` closure that reads `grad` and adds (`+=`) into their
/// inputs' gradients; ``backward(scale:)`` on a scalar loss runs them in reverse topological order.
/// Values are shared, never copied, between the graph and the tensors that produced them.
///
/// ```swift
/// let w = Parameter(name: "w", value: Tensor(shape: [2], scalars: [1, -2]), group: .weights)
/// let loss = sum(relu(w), weightedBy: [3, 4])
/// loss.backward()                       // w.grad == [3, 0]
/// ```
public class Variable {
    /// The forward value.
    public internal(set) var value: Tensor
    /// `∂L/∂value`, allocated on first accumulation; `nil` when nothing flowed here.
    /// Only leaves (inputs, parameters) keep their gradient after ``backward(scale:)``.
    public internal(set) var grad: [Float]?
    /// Whether gradients flow into this node (false for inputs and frozen parameters).
    public var requiresGrad: Bool
    private var parents: [Variable]
    private var backwardFunction: ((Variable) throws -> Void)?
    /// What produced the node, for a ``StepProfile`` (only set while one records).
    private let operation: String?

    /// A leaf (input or parameter).
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.backwardFunction = nil
        self.operation = nil
    }

    /// The result of an op; it requires a gradient when any parent does and recording is on
    /// (see ``withoutGradients(_:)``). Otherwise the op's backward closure is dropped at once.
    /// The closure throws only when it must talk to other replicas and cannot (synchronised batch norm).
    /// While a ``StepProfile`` records, the op's forward lap is taken here under `operation`.
    init(_ value: Tensor, parents: [Variable], operation: @autoclosure () -> String, backward: @escaping (Variable) throws -> Void) {
        self.value = value
        let records = GradientRecording.isEnabled && parents.contains { $0.requiresGrad }
        self.requiresGrad = records
        self.parents = records ? parents : []
        self.backwardFunction = records ? backward : nil
        if let profile = StepProfile.current {
            let operation = operation()
            profile.lap(operation, .forward)
            self.operation = operation
        } else {
            self.operation = nil
        }
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// Whether the node was produced by an op (and so does not keep its gradient).
    private var isIntermediate: Bool { backwardFunction != nil }

    /// Adds `delta` into the gradient; when there is none yet, `delta` becomes it without a copy.
    func accumulate(_ delta: [Float]) {
        guard requiresGrad else { return }
        guard grad != nil else { grad = delta; return }
        delta.withUnsafeBufferPointer { delta in
            grad!.withUnsafeMutableBufferPointer { g in
                guard let (target, source) = g.baseAddress.map({ ($0, delta.baseAddress!) }) else { return }
                ComputeThreads.splitElements(g.count) { slice in
                    let start = slice.lowerBound
                    Kernels.add(target + start, 1, source + start, target + start, slice.count)
                }
            }
        }
    }

    /// Adds a gradient that `fill` writes into a buffer of the value's size: straight into the
    /// gradient's fresh storage when there is none yet (no temporary), otherwise into a scratch
    /// array that is then added. `fill` must set every element, or only add into a buffer that
    /// starts at zero when `zeroed` is true (scatter kernels such as pooling).
    func accumulateGradient(zeroed: Bool = false, _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        guard requiresGrad else { return }
        let count = value.count
        let delta = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if zeroed { buffer.initialize(repeating: 0) }
            fill(buffer)
            initialized = count
        }
        accumulate(delta)
    }

    /// Forgets the gradient.
    public func zeroGrad() { grad = nil }

    /// Moves the gradient out of this node (which has run its backward pass and needs it no
    /// more), so that an op can turn it into its input's gradient in place: no allocation, no
    /// page faults, half the memory traffic.
    func takeGradient() -> [Float] {
        defer { grad = nil }
        return grad!
    }

    /// Back-propagates from this scalar: sets `∂L/∂L = scale` and runs every reachable op's
    /// backward once, in reverse topological order. As in PyTorch (without `retain_graph`), the
    /// graph is released as it is consumed: intermediate gradients and saved values are freed, so
    /// each graph can be differentiated once; leaves keep their accumulated gradients.
    /// - Parameter scale: the seed gradient.
    /// - Precondition: the value has one element, and no op of the graph talks to other replicas
    ///   (a model whose batch norms are synchronised over replicas is differentiated with
    ///   ``backward(scale:whenFinal:)``, which throws when the replicas cannot be reached).
    public func backward(scale: Float = 1) {
        do { try backward(scale: scale, whenFinal: { _ in }) } catch {
            preconditionFailure("a backward pass that talks to replicas must be run with backward(scale:whenFinal:): \(error)")
        }
    }

    /// Back-propagates from this scalar as ``backward(scale:)`` does, and calls `whenFinal` with
    /// each parameter as soon as its gradient is complete (every op that uses it has run its
    /// backward), in that order — the same order on every replica of a model, so data-parallel
    /// training can start summing early gradients over the replicas while later ones are computed.
    /// - Parameters:
    ///   - scale: the seed gradient; a replica of data-parallel training passes its share of the
    ///     global batch, so that the gradients summed over the replicas are the global mean's.
    ///   - whenFinal: called once per parameter that has a gradient, right after the backward of
    ///     the last op that uses it.
    /// - Throws: the error of an op that could not complete its gradient (synchronised batch norm
    ///   whose replicas cannot be reached), or of `whenFinal`; the rest of the graph is released
    ///   and the gradients are incomplete.
    /// - Precondition: the value has one element.
    public func backward(scale: Float, whenFinal: (Parameter) throws -> Void) throws {
        precondition(value.count == 1, "backward() starts from a scalar loss, got shape \(value.shape)")
        var order: [Variable] = []
        var seen = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard node.requiresGrad, seen.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for parent in node.parents { stack.append((parent, false)) }
        }
        // A parameter's gradient is final once every op that uses it has run its backward (a
        // reverse topological order may reach the parameter itself much later).
        var uses: [ObjectIdentifier: Int] = [:]
        for node in order { for case let parameter as Parameter in node.parents { uses[ObjectIdentifier(parameter), default: 0] += 1 } }
        grad = [scale]
        var failure: (any Error)?
        let profile = StepProfile.current
        profile?.lap("graph order", .backward)
        for node in order.reversed() {
            guard let backward = node.backwardFunction else { continue }
            if failure == nil {
                do {
                    if node.grad != nil { try backward(node) }
                    for case let parameter as Parameter in node.parents {
                        uses[ObjectIdentifier(parameter)]! -= 1
                        if uses[ObjectIdentifier(parameter)] == 0 && parameter.grad != nil { try whenFinal(parameter) }
                    }
                } catch { failure = error }
            }
            node.backwardFunction = nil
            node.parents = []
            node.grad = nil
            profile?.lap(node.operation ?? "unnamed op", .backward)
        }
        if let failure { throw failure }
    }
}

/// The result of an op whose input gradient has the output's shape and can be computed in
/// place: `backward` receives the output gradient to overwrite with `∂L/∂x` (each element from
/// the same element of `∂L/∂y` and of saved values), and the result flows into `x` without a copy.
func inPlaceResult(_ value: Tensor, _ x: Variable, _ others: [Variable] = [], operation: @autoclosure () -> String,
                   backward: @escaping (UnsafeMutableBufferPointer<Float>) throws -> Void) -> Variable {
    Variable(value, parents: [x] + others, operation: operation()) { y in
        var g = y.takeGradient()
        try g.withUnsafeMutableBufferPointer { try backward($0) }
        x.accumulate(g)
    }
}

/// Whether ops record the graph (task-local, on by default).
enum GradientRecording {
    @TaskLocal static var isEnabled = true
}

/// Runs `body` without recording the graph, as `torch.no_grad()`: results of ops require no
/// gradient and keep nothing for a backward pass (evaluation, inference).
///
/// ```swift
/// let logits = try withoutGradients { try model(Variable(images)) }
/// ```
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientRecording.$isEnabled.withValue(false, operation: body)
}
