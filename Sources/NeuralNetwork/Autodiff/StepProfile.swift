import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where the time of training steps goes, per operation and phase: a stopwatch whose laps the
/// ops take while it is ``recording(_:)``.
///
/// Each op's result lap covers the time since the previous lap, so in a forward pass (ops run one
/// after the other on the calling thread) it is the op's forward time plus the module code between
/// the ops; in ``Variable/backward(scale:)`` each op's lap is its backward pass, including the
/// release of what it saved; the optimiser's ``Optimizer/step()`` takes one lap. Rows add up every
/// lap with the same phase and label (e.g. every `conv 3×3 64→64` layer of a network), so the
/// laps of a step cover the step. Taking a lap costs one clock read and one uncontended lock, so
/// profiling changes step times by well under 0.1 % (a few hundred ops per step); when no profile
/// records, an op pays one task-local read.
///
/// ```swift
/// let profile = StepProfile(clock: .wall)
/// try profile.recording {
///     profile.restart()
///     model.zeroGradients()
///     try Loss.crossEntropy(model(x), labels: labels).backward()
///     optimizer.step()
/// }
/// for row in profile.rows { print(row.phase, row.label, row.seconds) }
/// ```
public final class StepProfile: Sendable {
    /// The part of a training step a lap belongs to.
    public enum Phase: String, Sendable, CaseIterable, Comparable {
        /// An op's forward computation (losses included).
        case forward
        /// An op's backward pass, or the ordering of the graph before it.
        case backward
        /// The optimiser's update.
        case optimizer
        /// Anything else the caller times (zeroing gradients, data).
        case other

        /// Declaration order.
        public static func < (a: Phase, b: Phase) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// What a lap measures.
    public enum Clock: String, Sendable {
        /// Elapsed time (`CLOCK_MONOTONIC`).
        case wall
        /// CPU time of the process, every thread summed (`CLOCK_PROCESS_CPUTIME_ID`).
        case processCPU
    }

    /// The laps of one phase and label added up.
    public struct Row: Sendable, Equatable {
        /// The phase.
        public let phase: Phase
        /// The op (or other work) timed.
        public let label: String
        /// Total seconds of its laps.
        public var seconds: Double
        /// The number of laps.
        public var laps: Int

        mutating func add(_ elapsed: Double) {
            seconds += elapsed
            laps += 1
        }
    }

    /// The clock the laps read.
    public let clock: Clock
    private struct State {
        var last: Double
        var rows: [Key: Row] = [:]
    }
    private struct Key: Hashable {
        let phase: Phase, label: String
    }
    private let state: Mutex<State>

    /// A profile with no laps; its stopwatch starts now.
    /// - Parameter clock: wall clock or process CPU time.
    public init(clock: Clock = .wall) {
        self.clock = clock
        state = Mutex(State(last: Self.now(clock)))
    }

    /// Restarts the stopwatch: the time since the last lap is not counted anywhere.
    public func restart() {
        let now = Self.now(clock)
        state.withLock { $0.last = now }
    }

    /// Adds the time since the previous lap (or ``restart()``) to the row of `phase` and `label`.
    /// - Parameters:
    ///   - label: what ran since the previous lap.
    ///   - phase: the part of the step it belongs to.
    public func lap(_ label: String, _ phase: Phase) {
        let now = Self.now(clock)
        state.withLock { state in
            let elapsed = now - state.last
            state.rows[Key(phase: phase, label: label), default: Row(phase: phase, label: label, seconds: 0, laps: 0)].add(elapsed)
            state.last = now
        }
    }

    /// Every row, by phase and then by decreasing time.
    public var rows: [Row] {
        state.withLock { Array($0.rows.values) }.sorted { ($0.phase, -$0.seconds, $0.label) < ($1.phase, -$1.seconds, $1.label) }
    }

    /// The total seconds of a phase.
    /// - Parameter phase: the phase.
    /// - Returns: the sum of its rows.
    public func seconds(in phase: Phase) -> Double {
        rows.filter { $0.phase == phase }.reduce(0) { $0 + $1.seconds }
    }

    /// Runs `body` with this profile taking the laps of every op, backward pass and optimiser step
    /// on the current task.
    /// - Parameter body: the steps to profile.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func recording<R>(_ body: () throws -> R) rethrows -> R {
        try Self.$current.withValue(self, operation: body)
    }

    /// The profile recording on this task, if any.
    @TaskLocal static var current: StepProfile?

    /// Takes a lap on the recording profile, if any; `label` is only built then.
    static func lap(_ label: @autoclosure () -> String, _ phase: Phase) {
        if let profile = current { profile.lap(label(), phase) }
    }

    private static func now(_ clock: Clock) -> Double {
        var time = timespec()
        clock_gettime(clock == .processCPU ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
