import Communication
import Foundation
import Synchronization

/// The outcome of one dispatched job.
public enum JobOutcome<Output: Codable & Sendable>: Sendable {
    /// The job's result.
    case done(Output)
    /// Every attempt failed; the reasons, one per attempt (an error the job threw, or a rank that
    /// stopped answering).
    case failed([String])
}

/// Hands independent jobs (e.g. "train this density on this seed") from rank 0 to the other
/// ranks as they become free, and collects the results in job order.
///
/// A job that throws on its worker is retried (on the next free rank) up to ``attempts`` times
/// and then marked failed with the reasons; a worker that does not answer within ``timeout``
/// seconds, or whose messages fail, is reported on standard error, taken out of the rotation and
/// its job retried elsewhere, so no job is silently lost. (Whether the other ranks survive a
/// rank's death depends on the launcher: Open MPI's `mpirun` ends the whole job by default.)
/// On a single process rank 0 runs the jobs itself, with the same retries.
///
/// ```swift
/// let outcomes = try Dispatcher(communicator: world).map(seeds) { seed in try trainAndScore(seed) }
/// // rank 0: one outcome per seed; other ranks: nil, after rank 0 has finished
/// ```
public struct Dispatcher {
    /// The ranks; rank 0 dispatches, the others work.
    public let communicator: any Communicator
    /// Attempts per job before it is marked failed (at least 1).
    public let attempts: Int
    /// Seconds a worker may take for one job before it is considered lost (`nil`: no limit).
    public let timeout: Double?

    /// A dispatcher.
    /// - Parameters:
    ///   - communicator: the ranks.
    ///   - attempts: attempts per job (at least 1).
    ///   - timeout: seconds a worker may take for one job (`nil`: no limit).
    /// - Throws: `CommunicatorError` for fewer than one attempt or a timeout that is not positive.
    public init(communicator: any Communicator, attempts: Int = 2, timeout: Double? = nil) throws(CommunicatorError) {
        guard attempts >= 1 else { throw CommunicatorError("a job needs at least 1 attempt, got \(attempts)") }
        if let timeout, !(timeout > 0) { throw CommunicatorError("the job timeout must be positive seconds, got \(timeout)") }
        self.communicator = communicator
        self.attempts = attempts
        self.timeout = timeout
    }

    private enum Tag { static let job = 1, result = 2, stop = 3 }

    /// Calls of ``map(_:_:)`` in this process (the same on every rank, as every rank calls it).
    private static let rounds = Mutex(0)

    /// What travels between the ranks: a job to do, or its result or error, with the round (the
    /// count of ``map(_:_:)`` calls) it belongs to, so that a late answer of a rank given up in an
    /// earlier round is recognised and dropped.
    private struct Envelope<Payload: Codable>: Codable {
        var round: Int
        var index: Int
        var payload: Payload?
        var error: String?
    }

    /// Runs every job once successfully (or marks it failed), in parallel over the worker ranks.
    /// Every rank calls it with the same jobs; `evaluate` runs on the workers (on rank 0 when
    /// there is no other rank).
    /// - Returns: on rank 0, one outcome per job in order; on the other ranks `nil`.
    /// - Throws: `CommunicatorError` when rank 0 cannot reach the ranks at all; encoding errors.
    public func map<Job: Codable & Sendable, Output: Codable & Sendable>(
        _ jobs: [Job], _ evaluate: (Job) throws -> Output
    ) throws -> [JobOutcome<Output>]? {
        let round = Self.rounds.withLock { count in
            defer { count += 1 }
            return count
        }
        guard communicator.size > 1 else { return jobs.map { job in run(job, evaluate, reasons: []) } }
        guard communicator.isRoot else { try serve(jobs, evaluate); return nil }
        return try dispatch(count: jobs.count, round: round)
    }

    /// The local retry loop (single process).
    private func run<Job, Output>(_ job: Job, _ evaluate: (Job) throws -> Output, reasons: [String]) -> JobOutcome<Output> {
        var reasons = reasons
        while reasons.count < attempts {
            do { return .done(try evaluate(job)) } catch { reasons.append("\(error)") }
        }
        return .failed(reasons)
    }

    /// Worker: evaluates the jobs rank 0 sends until it says stop.
    private func serve<Job: Codable, Output: Codable>(_ jobs: [Job], _ evaluate: (Job) throws -> Output) throws {
        while let message = try communicator.receive(from: 0, tag: nil, timeout: .infinity), message.tag == Tag.job {
            let request = try JSONDecoder().decode(Envelope<Int>.self, from: Data(message.bytes))
            var reply = Envelope<Output>(round: request.round, index: request.index)
            do { reply.payload = try evaluate(jobs[request.index]) } catch { reply.error = "\(error)" }
            try communicator.send([UInt8](try JSONEncoder().encode(reply)), to: 0, tag: Tag.result)
        }
    }

    /// Rank 0: keeps every live worker busy until each job is done or has used its attempts.
    private func dispatch<Output: Codable>(count: Int, round: Int) throws -> [JobOutcome<Output>] {
        var outcomes = [JobOutcome<Output>?](repeating: nil, count: count)
        var reasons = [[String]](repeating: [], count: count)
        var queue = Array(0..<count)
        var idle = Array((1..<communicator.size).reversed())
        var busy: [Int: (job: Int, since: ContinuousClock.Instant)] = [:]
        func failed(_ job: Int, _ reason: String) {
            reasons[job].append(reason)
            if reasons[job].count >= attempts { outcomes[job] = .failed(reasons[job]) } else { queue.append(job) }
        }
        func lose(_ worker: Int, _ why: String) {
            FileHandle.standardError.write(Data("dispatch: rank \(worker) \(why); it gets no more jobs\n".utf8))
        }
        while outcomes.contains(where: { $0 == nil }) {
            while !queue.isEmpty, let worker = idle.popLast() {
                let job = queue.removeFirst()
                do {
                    try communicator.send([UInt8](try JSONEncoder().encode(Envelope<Int>(round: round, index: job))), to: worker, tag: Tag.job)
                    busy[worker] = (job, .now)
                } catch {
                    lose(worker, "could not be sent job \(job): \(error)")
                    queue.insert(job, at: 0)
                }
            }
            guard !busy.isEmpty else {
                for job in queue { outcomes[job] = .failed(reasons[job] + ["no worker rank left to run it"]) }
                break
            }
            let wait = timeout.map { limit in
                max(0, busy.values.map { limit - seconds(since: $0.since) }.min()!)
            } ?? .infinity
            if let message = try communicator.receive(from: nil, tag: Tag.result, timeout: wait) {
                let reply = try JSONDecoder().decode(Envelope<Output>.self, from: Data(message.bytes))
                guard reply.round == round, let (job, _) = busy.removeValue(forKey: message.source) else { continue }   // late
                idle.append(message.source)
                if let output = reply.payload { outcomes[job] = .done(output) } else {
                    failed(job, "rank \(message.source): \(reply.error ?? "no result")")
                }
            } else if let timeout {
                for (worker, state) in busy where seconds(since: state.since) >= timeout {
                    busy[worker] = nil
                    lose(worker, "did not answer job \(state.job) within \(timeout) s")
                    failed(state.job, "rank \(worker) did not answer within \(timeout) s")
                }
            }
        }
        for worker in 1..<communicator.size { try? communicator.send([], to: worker, tag: Tag.stop) }
        return outcomes.map { $0! }
    }
}

/// Seconds elapsed since `start`.
private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
