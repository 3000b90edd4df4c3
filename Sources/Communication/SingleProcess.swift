/// The communicator of a run without a launcher: rank 0 of 1. Collectives leave the values as
/// they are (the sum and the mean over one rank are the values themselves); there is no other
/// rank to send to, and nothing ever arrives.
public final class SingleProcess: Communicator {
    /// A one-process communicator.
    public init() {}

    /// 0.
    public var rank: Int { 0 }
    /// 1.
    public var size: Int { 1 }

    /// Returns at once.
    public func barrier() throws(CommunicatorError) {}

    /// Leaves `values` as they are.
    /// - Throws: ``CommunicatorError`` when `root` is not 0.
    public func broadcast(_ values: inout [Float], root: Int) throws(CommunicatorError) {
        try check(root, "broadcast root")
    }

    /// Leaves `values` as they are.
    public func allreduce(_ values: inout [Float], _ reduction: Reduction) throws(CommunicatorError) {}

    /// Leaves `values` as they are.
    public func allreduce(_ values: inout [Double], _ reduction: Reduction) throws(CommunicatorError) {}

    /// Always throws: there is no other rank.
    /// - Throws: ``CommunicatorError``.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CommunicatorError) {
        throw CommunicatorError("cannot send to rank \(destination): a single process has no other rank")
    }

    /// Returns `nil` (without waiting: no message can come).
    /// - Throws: ``CommunicatorError`` when `source` is given and is not 0.
    public func receive(from source: Int?, tag: Int?, timeout: Double) throws(CommunicatorError) -> Message? {
        if let source { try check(source, "receive source") }
        return nil
    }

    private func check(_ rank: Int, _ what: String) throws(CommunicatorError) {
        guard rank == 0 else { throw CommunicatorError("\(what) must be a rank in 0..<1, got \(rank)") }
    }
}
