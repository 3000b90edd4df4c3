import Communication
import Foundation

/// The ranks split into groups that each run one job at a time over all their ranks (a
/// data-parallel training run per group), for when there are more ranks than jobs at a time: rank
/// `r` joins group `r mod groups`, so rank 0 leads group 0 and the groups differ in size by at
/// most one rank.
///
/// Rank 0 knows the jobs (``mapBatch(_:_:)``); the other ranks wait in ``serveBatches(_:)``. Job
/// `j` of a batch goes to group `j mod groups`; each group runs its jobs in order, every rank of
/// the group calling the work with the group's communicator, and the group's first rank sends
/// the results to rank 0. A job that throws on every rank of its group (a data or configuration
/// error) comes back as a failure; a rank that dies ends the MPI job, as for any collective.
///
/// ```swift
/// let groups = try RankGroups(world: world, groups: seeds.count)
/// if world.isRoot { let results = try groups.mapBatch(jobs) { job, group in try train(job, on: group) }; try groups.endBatches() }
/// else { try groups.serveBatches { job, group in try train(job, on: group) } }
/// ```
public struct RankGroups {
    /// Every rank.
    public let world: MPICommunicator
    /// This rank's group.
    public let group: MPICommunicator
    /// This rank's group's number, `0..<count`.
    public let index: Int
    /// The number of groups.
    public let count: Int

    private enum Tag { static let batch = 6, result = 7, end = 8 }

    /// Splits `world` into `groups` groups (every rank calls it).
    /// - Parameters:
    ///   - world: the ranks.
    ///   - groups: the number of groups, `1...world.size`.
    /// - Throws: `CommunicatorError` for a group count out of range or an MPI error.
    public init(world: MPICommunicator, groups: Int) throws(CommunicatorError) {
        guard (1...world.size).contains(groups) else { throw CommunicatorError("the \(world.size) ranks make 1...\(world.size) groups, got \(groups)") }
        self.world = world
        self.count = groups
        index = world.rank % groups
        group = try world.split(color: index, key: world.rank)
    }

    /// What a group's first rank sends rank 0: one job's output or error.
    private struct Reply<Output: Codable>: Codable {
        var job: Int
        var output: Output?
        var error: String?
    }

    /// Rank 0: sends `jobs` to every rank, runs its own group's share, and collects every result.
    /// - Parameters:
    ///   - jobs: the batch.
    ///   - work: one job on a group's communicator (the same function the other ranks serve with).
    /// - Returns: per job, its output or why it failed, in order.
    /// - Throws: `CommunicatorError` when the ranks cannot be reached; encoding errors.
    public func mapBatch<Job: Codable, Output: Codable>(
        _ jobs: [Job], _ work: (Job, any Communicator) throws -> Output
    ) throws -> [Result<Output, any Error>] {
        precondition(world.isRoot, "only rank 0 hands out batches")
        try world.sendToOtherRanks([UInt8](try JSONEncoder().encode(jobs)), tag: Tag.batch)
        var results = [Result<Output, any Error>?](repeating: nil, count: jobs.count)
        for job in stride(from: 0, to: jobs.count, by: count) {
            results[job] = Result { try work(jobs[job], group) }
        }
        for _ in 0..<(jobs.count - (jobs.count + count - 1) / count) {
            guard let message = try world.receive(from: nil, tag: Tag.result, timeout: .infinity) else { continue }
            let reply = try JSONDecoder().decode(Reply<Output>.self, from: Data(message.bytes))
            guard results.indices.contains(reply.job) else { throw CommunicatorError("rank \(message.source) answered job \(reply.job) of \(jobs.count)") }
            results[reply.job] = reply.output.map { .success($0) }
                ?? .failure(JobFailure(reasons: ["ranks of group \(reply.job % count): \(reply.error ?? "no result")"]))
        }
        return results.map { $0! }
    }

    /// Ranks other than 0: runs this group's share of each batch of ``mapBatch(_:_:)`` until rank 0
    /// calls ``endBatches()``.
    /// - Parameter work: one job on the group's communicator.
    /// - Throws: `CommunicatorError` when rank 0 cannot be heard; decoding errors.
    public func serveBatches<Job: Codable, Output: Codable>(_ work: (Job, any Communicator) throws -> Output) throws {
        precondition(!world.isRoot, "rank 0 hands out batches; it does not serve them")
        try world.receiveBatches(tag: Tag.batch) { (jobs: [Job]) in
            for job in stride(from: index, to: jobs.count, by: count) {
                var reply = Reply<Output>(job: job)
                do { reply.output = try work(jobs[job], group) } catch { reply.error = "\(error)" }
                if group.isRoot { try world.send([UInt8](try JSONEncoder().encode(reply)), to: 0, tag: Tag.result) }
            }
        }
    }

    /// Rank 0: releases the ranks waiting in ``serveBatches(_:)``.
    /// - Throws: `CommunicatorError` when a rank cannot be reached.
    public func endBatches() throws(CommunicatorError) {
        precondition(world.isRoot, "only rank 0 ends the batches")
        try world.sendToOtherRanks([], tag: Tag.end)
    }
}
