import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes that end with this one: every program a command runs (`mpirun`, a
/// seed run's `wconv seed-job`, a comparison's Python) goes through ``run(_:)``.
///
/// Two things end a child with its parent:
/// - On Linux, the child runs under `setpriv --pdeathsig TERM` (util-linux), so the kernel sends
///   it SIGTERM when this process dies, however it dies (SIGKILL and crashes included). `mpirun`
///   takes its ranks down on SIGTERM.
/// - SIGINT, SIGTERM and SIGHUP to this process send SIGTERM to every running child (and to its
///   process group, where the child leads one), then end this process with the same signal; so
///   does `exit` with children still running. The thread that starts a child keeps these signals
///   unblocked, and the child starts with no signal blocked, whatever mask this process inherited.
///
/// ```swift
/// let process = Process()
/// process.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
/// try ChildProcesses.run(process)
/// process.waitUntilExit()
/// ```
public enum ChildProcesses {
    /// The program that sets a parent-death signal before it starts the child, when installed.
    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts `process` (configured but not started) as a child that ends with this process.
    /// - Throws: what `Process.run()` throws when the program cannot start.
    public static func run(_ process: Process) throws {
        guard let program = process.executableURL?.path else { try process.run(); return }
        if let setpriv, FileManager.default.isExecutableFile(atPath: program) {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "TERM", "--", program] + (process.arguments ?? [])
        }
        RunningChildren.shared.installHandlers()
        let ended = process.terminationHandler
        process.terminationHandler = { process in
            RunningChildren.shared.remove(process.processIdentifier)
            ended?(process)
        }
        // The child inherits this thread's signal mask: start it with none blocked (a thread of a
        // pool, or a parent that blocked signals, would leave SIGTERM blocked in it); keep SIGINT,
        // SIGTERM and SIGHUP unblocked here, so they reach the handlers.
        var none = sigset_t(), previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer {
            for signal in RunningChildren.endingSignals { sigdelset(&previous, signal) }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        try process.run()
        RunningChildren.shared.add(process.processIdentifier)
        if !process.isRunning { RunningChildren.shared.remove(process.processIdentifier) }
    }
}

/// The process ids of the running children, in a fixed table a signal handler can read without
/// locks or allocation (a slot is 0 when free).
private final class RunningChildren: @unchecked Sendable {
    static let shared = RunningChildren()
    static let capacity = 256
    /// The signals that end the children, then this process.
    static let endingSignals = [SIGINT, SIGTERM, SIGHUP]
    let slots: UnsafeMutablePointer<Int32>
    private let lock = NSLock()
    private var installed = false

    private init() {
        slots = .allocate(capacity: Self.capacity)
        slots.initialize(repeating: 0, count: Self.capacity)
    }

    func add(_ pid: Int32) {
        lock.withLock {
            if let free = (0..<Self.capacity).first(where: { slots[$0] == 0 }) { slots[free] = pid }
        }
    }

    func remove(_ pid: Int32) {
        lock.withLock {
            for i in 0..<Self.capacity where slots[i] == pid { slots[i] = 0 }
        }
    }

    /// Installs the signal and exit handlers, once.
    func installHandlers() {
        lock.withLock {
            guard !installed else { return }
            installed = true
            for signal in Self.endingSignals { _ = Glibc.signal(signal, endChildrenThenDie) }
            atexit(endChildrenAtExit)
        }
    }
}

/// SIGTERM to every running child and its group (only async-signal-safe calls).
private func terminateRunningChildren() {
    let slots = RunningChildren.shared.slots
    for i in 0..<RunningChildren.capacity {
        let pid = slots[i]
        guard pid > 0 else { continue }
        kill(-pid, SIGTERM)
        kill(pid, SIGTERM)
    }
}

/// The handler of SIGINT, SIGTERM and SIGHUP: ends the children, then this process by `signal`.
private func endChildrenThenDie(_ signal: Int32) {
    terminateRunningChildren()
    _ = Glibc.signal(signal, SIG_DFL)
    raise(signal)
}

/// At `exit`: ends the children still running.
private func endChildrenAtExit() { terminateRunningChildren() }
