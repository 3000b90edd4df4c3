import Cluster
import Communication
import Foundation
import Testing

/// Work dispatch from rank 0: every job comes back once, in order; a job that throws is retried
/// and then marked failed with its reasons; on one process the same retries run locally.
extension MPITests {
    @Suite struct DispatchTests {
        /// Squares, where job 3 fails the first time it runs on rank 1 (rank 0 when alone) and job 5
        /// on every attempt.
        static func square(_ job: Int, tries: inout [Int: Int], failingRank: Bool) throws -> Int {
            tries[job, default: 0] += 1
            if job == 5 || (job == 3 && tries[job] == 1 && failingRank) { throw CommunicatorError("job \(job) failed on purpose") }
            return job * job
        }

        static func check(_ outcomes: [JobOutcome<Int>]) {
            #expect(outcomes.count == 7)
            for (job, outcome) in outcomes.enumerated() {
                switch outcome {
                case .done(let value): #expect(job != 5 && value == job * job, "job \(job)")
                case .failed(let reasons):
                    #expect(job == 5 && reasons.count == 2 && reasons.allSatisfy { $0.hasSuffix("job 5 failed on purpose") },
                            "job \(job): \(reasons)")
                }
            }
        }

        @Test func jobsComeBackInOrderFailuresAreRetriedThenReported() throws {
            let world = try MPICommunicator.world()
            var tries: [Int: Int] = [:]
            let outcomes = try Dispatcher(communicator: world, attempts: 2).map(Array(0..<7)) {
                try Self.square($0, tries: &tries, failingRank: world.rank == 1)
            }
            if world.isRoot { Self.check(try #require(outcomes)) } else { #expect(outcomes == nil) }
            try world.barrier()
        }

        @Test func oneProcessRunsTheJobsItselfWithTheSameRetries() throws {
            var tries: [Int: Int] = [:]
            Self.check(try #require(try Dispatcher(communicator: SingleProcess(), attempts: 2).map(Array(0..<7)) {
                try Self.square($0, tries: &tries, failingRank: true)
            }))
            #expect(tries[3] == 2 && tries[5] == 2 && tries[0] == 1)
        }

        /// Jobs in child processes (a shell script squaring the job): job 3's process kills itself
        /// with SIGKILL, job 4's exits with code 3 after a message, job 5's sleeps past the timeout
        /// and is stopped; each is seen by its rank, retried, and marked failed with how it ended;
        /// the rank goes on with the other jobs.
        @Test func crashesOfChildProcessesAreReportedAndRetriedAndTheRankGoesOn() throws {
            let world = try MPICommunicator.world()
            let script = """
                job=$(cat "$2")
                case $job in 3) kill -9 $$;; 4) echo "no such device" >&2; exit 3;; 5) exec sleep 30;; esac
                echo "{\\"output\\":$((job * job))}" > "$4"
                """
            let children = ChildProcessJobs(executable: "/bin/sh", arguments: ["-c", script, "sh"], timeout: 1)
            let outcomes = try Dispatcher(communicator: world, attempts: 2).map(Array(0..<7)) { job -> Int in try children.run(job) }
            if let outcomes {
                let expected = [3: "the run was killed by signal 9 (Killed)", 4: "the run exited with code 3: no such device",
                                5: "the run took longer than 1.0 s and was stopped"]
                for (job, outcome) in outcomes.enumerated() {
                    switch outcome {
                    case .done(let value): #expect(expected[job] == nil && value == job * job, "job \(job)")
                    case .failed(let reasons):
                        #expect(reasons.count == 2 && reasons.allSatisfy { $0.hasSuffix(expected[job] ?? "?") }, "job \(job): \(reasons)")
                    }
                }
            }
            try world.barrier()
        }

        /// Job 2 takes longer than the timeout on every rank: each rank that runs it is reported and
        /// given up, the job is marked failed, and the jobs left without a worker too; the next
        /// round on the same ranks drops the late answers and completes.
        @Test func ranksPastTheTimeoutAreGivenUpAndTheirJobsAccountedFor() throws {
            let world = try MPICommunicator.world()
            let slow = try Dispatcher(communicator: world, attempts: 2, timeout: 0.5).map(Array(0..<5)) { job -> Int in
                if job == 2 { usleep(1_500_000) }
                return job * job
            }
            if let slow {
                for (job, outcome) in slow.enumerated() {
                    switch outcome {
                    case .done(let value): #expect(job != 2 && value == job * job, "job \(job)")
                    case .failed(let reasons):
                        #expect(job == 2 ? reasons.contains { $0.contains("did not answer within 0.5 s") }
                                         : reasons.last == "no worker rank left to run it", "job \(job): \(reasons)")
                    }
                }
            }
            let next = try Dispatcher(communicator: world).map(Array(0..<4)) { $0 + 10 }
            if let next { #expect(next.map { if case .done(let v) = $0 { v } else { -1 } } == [10, 11, 12, 13]) }
            try world.barrier()
        }
    }
}
