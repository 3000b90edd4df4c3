/// The processes of a data-parallel or distributed run, as the rest of the package sees them:
/// each process has a rank in `0..<size`, and they can meet at a barrier, copy values from one
/// rank to all, sum values over all ranks, and send each other messages.
///
/// A run on one machine without a launcher uses ``SingleProcess`` (rank 0 of 1), for which every
/// collective is the identity; the `Cluster` module implements the protocol on MPI.
///
/// Collectives must be called by every rank in the same order with buffers of the same length,
/// and from one thread at a time.
///
/// ```swift
/// var gradient: [Float] = …
/// try communicator.allreduce(&gradient, .average)   // every rank now holds the mean
/// ```
public protocol Communicator: AnyObject {
    /// This process's rank, `0..<size`.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }

    /// Returns when every rank has called it.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func barrier() throws(CommunicatorError)

    /// Replaces `values` on every rank with the values of `root`.
    /// - Parameters:
    ///   - values: the values to send (on `root`) or to overwrite (elsewhere); same count on every rank.
    ///   - root: the sending rank.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func broadcast(_ values: inout [Float], root: Int) throws(CommunicatorError)

    /// Replaces `values` on every rank with their element-wise sum (or mean) over the ranks.
    /// - Parameters:
    ///   - values: this rank's contribution; same count on every rank.
    ///   - reduction: sum or average.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func allreduce(_ values: inout [Float], _ reduction: Reduction) throws(CommunicatorError)

    /// Replaces `values` on every rank with their element-wise sum (or mean) over the ranks, in
    /// double precision (statistics, counts).
    /// - Parameters:
    ///   - values: this rank's contribution; same count on every rank.
    ///   - reduction: sum or average.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func allreduce(_ values: inout [Double], _ reduction: Reduction) throws(CommunicatorError)

    /// Starts summing `values` element-wise over the ranks and returns at once (MPI's
    /// `MPI_Iallreduce`), so that work can go on while the sum travels; every rank starts the same
    /// sums in the same order, also interleaved with the blocking collectives. The default waits
    /// for a blocking ``allreduce(_:_:)-([Float],_)`` and returns it finished.
    /// - Parameter values: this rank's contribution; same count on every rank.
    /// - Returns: the sum in progress; ``PendingSum/wait()`` gives it.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func startAllreduce(_ values: [Float]) throws(CommunicatorError) -> any PendingSum

    /// Sends a message to another rank (returns once the bytes may be reused).
    /// - Parameters:
    ///   - bytes: the message.
    ///   - destination: the receiving rank (not this one).
    ///   - tag: a label the receiver can select on, `0...32767`.
    /// - Throws: ``CommunicatorError`` when the destination is out of range or the transport fails.
    func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CommunicatorError)

    /// Waits up to `timeout` seconds for a message from `source` (any rank when `nil`) with
    /// `tag` (any tag when `nil`).
    /// - Returns: the message, or `nil` when none came in time.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func receive(from source: Int?, tag: Int?, timeout: Double) throws(CommunicatorError) -> Message?
}

/// How ``Communicator/allreduce(_:_:)-([Float],_)`` combines the ranks' values.
public enum Reduction: Sendable {
    /// The element-wise sum.
    case sum
    /// The element-wise mean (sum divided by the rank count).
    case average
}

/// A point-to-point message.
public struct Message: Sendable, Equatable {
    /// The sending rank.
    public var source: Int
    /// The sender's tag.
    public var tag: Int
    /// The contents.
    public var bytes: [UInt8]

    /// A message from `source` with `tag`.
    public init(source: Int, tag: Int, bytes: [UInt8]) {
        self.source = source
        self.tag = tag
        self.bytes = bytes
    }
}

/// A failure of the transport between ranks (a peer died, a call was refused).
public struct CommunicatorError: Error, CustomStringConvertible, Equatable {
    /// What went wrong.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}

/// A sum over the ranks on its way (``Communicator/startAllreduce(_:)``).
public protocol PendingSum: AnyObject {
    /// Lets the transport move the sum on without waiting (Open MPI advances non-blocking
    /// collectives only inside MPI calls, unless it runs a progress thread).
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func progress() throws(CommunicatorError)

    /// Waits for the sum.
    /// - Returns: the element-wise sum over the ranks.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    func wait() throws(CommunicatorError) -> [Float]
}

/// A sum that was finished when it was started (a blocking transport, or one rank).
public final class FinishedSum: PendingSum {
    private let values: [Float]

    /// The finished sum `values`.
    public init(_ values: [Float]) { self.values = values }

    /// Does nothing: the sum is done.
    public func progress() throws(CommunicatorError) {}

    /// The sum.
    /// - Returns: the values given at ``init(_:)``.
    public func wait() throws(CommunicatorError) -> [Float] { values }
}

extension Communicator {
    /// A blocking ``allreduce(_:_:)-([Float],_)``, returned finished.
    /// - Parameter values: this rank's contribution; same count on every rank.
    /// - Returns: the finished sum.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    public func startAllreduce(_ values: [Float]) throws(CommunicatorError) -> any PendingSum {
        var values = values
        try allreduce(&values, .sum)
        return FinishedSum(values)
    }

    /// Whether this is rank 0, the rank that prints and writes files.
    public var isRoot: Bool { rank == 0 }

    /// Broadcasts several arrays from `root` as one message (a model's parameters and buffers).
    /// - Parameters:
    ///   - arrays: the arrays, with the same counts on every rank.
    ///   - root: the sending rank.
    /// - Returns: the arrays as `root` holds them.
    /// - Throws: ``CommunicatorError`` when the transport fails.
    public func broadcast(_ arrays: [[Float]], root: Int = 0) throws(CommunicatorError) -> [[Float]] {
        guard size > 1 else { return arrays }
        var flat = arrays.flatMap { $0 }
        try broadcast(&flat, root: root)
        var start = 0
        return arrays.map { array in
            defer { start += array.count }
            return Array(flat[start..<(start + array.count)])
        }
    }
}
