import Communication
import Foundation

/// Why a dispatched job was given up: the reason of every attempt.
public struct JobFailure: Error, CustomStringConvertible, Sendable {
    /// One reason per attempt (an error the job threw, or a rank that stopped answering).
    public let reasons: [String]

    /// The reasons joined, e.g. `failed 2 times: rank 1 did not answer within 60 s; rank 2: …`.
    public var description: String { "failed \(reasons.count) times: " + reasons.joined(separator: "; ") }
}

extension JobOutcome {
    /// The output, or the reasons the job failed as a ``JobFailure``.
    public var result: Result<Output, any Error> {
        switch self {
        case .done(let output): .success(output)
        case .failed(let reasons): .failure(JobFailure(reasons: reasons))
        }
    }
}

/// Batches of jobs that only rank 0 knows in advance (e.g. the seeds of the next density an
/// optimiser proposes): rank 0 sends each batch to the other ranks, which wait in
/// ``Dispatcher/serveBatches(_:)``, then every rank runs ``Dispatcher/map(_:_:)`` on it.
///
/// ```swift
/// if world.isRoot {
///     defer { try? dispatcher.endBatches() }
///     let outcomes = try dispatcher.mapBatch(jobs) { try work($0) }   // as often as needed
/// } else {
///     try dispatcher.serveBatches { try work($0) }                     // until rank 0 ends
/// }
/// ```
extension Dispatcher {
    private enum BatchTag { static let batch = 4, end = 5 }

    /// Rank 0: hands `jobs` to the ranks serving batches and collects one outcome per job, in
    /// order (on a single process, runs them itself).
    /// - Parameters:
    ///   - jobs: the batch.
    ///   - evaluate: the work of one job (the same function the other ranks serve with).
    /// - Returns: one outcome per job.
    /// - Throws: `CommunicatorError` when the ranks cannot be reached; encoding errors.
    public func mapBatch<Job: Codable & Sendable, Output: Codable & Sendable>(
        _ jobs: [Job], _ evaluate: (Job) throws -> Output
    ) throws -> [JobOutcome<Output>] {
        precondition(communicator.isRoot, "only rank 0 hands out batches")
        try communicator.sendToOtherRanks([UInt8](try JSONEncoder().encode(jobs)), tag: BatchTag.batch)
        return try map(jobs, evaluate)!
    }

    /// Ranks other than 0: works on the batches of ``mapBatch(_:_:)`` until rank 0 calls
    /// ``endBatches()``.
    /// - Parameter evaluate: the work of one job.
    /// - Throws: `CommunicatorError` when rank 0 cannot be heard; decoding errors.
    public func serveBatches<Job: Codable & Sendable, Output: Codable & Sendable>(_ evaluate: (Job) throws -> Output) throws {
        precondition(!communicator.isRoot, "rank 0 hands out batches; it does not serve them")
        try communicator.receiveBatches(tag: BatchTag.batch) { (jobs: [Job]) in _ = try map(jobs, evaluate) }
    }

    /// Rank 0: releases the ranks waiting in ``serveBatches(_:)``.
    /// - Throws: `CommunicatorError` when a rank cannot be reached.
    public func endBatches() throws(CommunicatorError) {
        precondition(communicator.isRoot, "only rank 0 ends the batches")
        try communicator.sendToOtherRanks([], tag: BatchTag.end)
    }
}

/// The batch protocol shared by ``Dispatcher`` and ``RankGroups``: rank 0 sends each batch of jobs
/// to every other rank, which decode and work on batches until a message of another tag (the end)
/// comes.
extension Communicator {
    /// Rank 0: sends `bytes` with `tag` to every other rank.
    func sendToOtherRanks(_ bytes: [UInt8], tag: Int) throws(CommunicatorError) {
        for rank in 1..<max(1, size) { try send(bytes, to: rank, tag: tag) }
    }

    /// Ranks other than 0: hands every batch of jobs rank 0 sends with `tag` to `body`, until
    /// rank 0 sends a message with another tag.
    func receiveBatches<Job: Decodable>(tag: Int, _ body: ([Job]) throws -> Void) throws {
        while let message = try receive(from: 0, tag: nil, timeout: .infinity), message.tag == tag {
            try body(try JSONDecoder().decode([Job].self, from: Data(message.bytes)))
        }
    }
}
