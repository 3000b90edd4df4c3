/// A node of the computation graph: a value, its accumulated gradient, and how to send that
/// gradient to the nodes it was computed from (define-by-run reverse-mode differentiation).
///
/// Ops create variables with a `backward` closure that reads `grad` and adds (`+=`) into their
/// inputs' gradients; ``backward()`` on a scalar loss runs them in reverse topological order.
public class Variable {
    /// The forward value.
    public internal(set) var value: Tensor
    /// `∂L/∂value`, allocated on first accumulation; `nil` when nothing flowed here.
    public internal(set) var grad: [Float]?
    /// Whether gradients flow into this node (false for inputs and frozen parameters).
    public var requiresGrad: Bool
    let parents: [Variable]
    let backwardFunction: ((Variable) -> Void)?

    /// A leaf (input or parameter).
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.backwardFunction = nil
    }

    /// The result of an op; it requires a gradient when any parent does.
    init(_ value: Tensor, parents: [Variable], backward: @escaping (Variable) -> Void) {
        self.value = value
        self.parents = parents
        self.requiresGrad = parents.contains { $0.requiresGrad }
        self.backwardFunction = requiresGrad ? backward : nil
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// Adds `delta` into the gradient (allocating it at zero first).
    func accumulate(_ delta: UnsafeBufferPointer<Float>) {
        guard requiresGrad else { return }
        if grad == nil {
            grad = Array(delta)
            return
        }
        grad!.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] += delta[i] }
        }
    }

    /// Adds `delta` into the gradient.
    func accumulate(_ delta: [Float]) {
        guard requiresGrad else { return }
        if grad == nil { grad = delta; return }
        delta.withUnsafeBufferPointer { accumulate($0) }
    }

    /// Forgets the gradient.
    public func zeroGrad() { grad = nil }

    /// Back-propagates from this scalar: sets `∂L/∂L = 1` and runs every reachable op's backward
    /// once, in reverse topological order.
    /// - Precondition: the value has one element.
    public func backward() {
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
        grad = [1]
        for node in order.reversed() {
            guard let backward = node.backwardFunction, node.grad != nil else { continue }
            backward(node)
        }
    }
}
