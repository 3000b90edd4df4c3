import Communication
import Foundation
import TestSupport
import Testing

/// Child processes die with `wconv`: `wconv bench scaling` runs `mpirun`, which runs the measuring
/// `wconv`; stopping the parent with SIGTERM or SIGINT, or killing it, must leave none of them
/// running. Runs once, outside `mpirun` (it starts its own).
@Suite(.serialized) struct ChildProcessLifetimeTests {
    static let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile)
    static let ready = WConvTool.isBuilt && mpirun != nil && !Launcher.isMPI

    /// The parent process id of each process of /proc.
    static func parents() -> [Int32: Int32] {
        var result: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", let parent = Int32(fields[1]) else { continue }
            result[pid] = parent
        }
        return result
    }

    /// Every living descendant of `pid`.
    static func descendants(of pid: Int32) -> Set<Int32> {
        let parents = parents()
        var found: Set<Int32> = [], frontier = [pid]
        while let next = frontier.popLast() {
            for (child, parent) in parents where parent == next && !found.contains(child) {
                found.insert(child)
                frontier.append(child)
            }
        }
        return found
    }

    /// The state and start time (in clock ticks after boot) of `pid`, from /proc.
    static func status(_ pid: Int32) -> (state: Substring, start: Substring)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? (fields[0], fields[19]) : nil
    }

    /// Whether the process `pid` that started at `start` is alive (not gone, not a zombie; a
    /// process that reused the id does not count).
    static func alive(_ pid: Int32, start: Substring) -> Bool {
        guard let now = status(pid) else { return false }
        return now.start == start && now.state != "Z" && now.state != "X"
    }

    @Test(.enabled(if: ready, "needs mpirun and wconv beside the tests"), arguments: [SIGTERM, SIGINT, SIGKILL])
    func benchScalingLeavesNoProcessBehind(signal: Int32) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: WConvTool.path)
        process.arguments = ["bench", "scaling", "--ranks", "1", "--model", "resnet18", "--batch", "2", "--steps", "10000", "--threads", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait (at most 120 s on a loaded machine) until the measuring wconv runs: the parent's grandchild or deeper.
        var children: Set<Int32> = []
        let start = ContinuousClock.now
        while process.isRunning, ContinuousClock.now - start < .seconds(120) {
            children = Self.descendants(of: process.processIdentifier)
            let commands = children.compactMap { try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8) }
            if commands.contains(where: { $0.split(separator: "\0").first?.hasSuffix("/wconv") == true && $0.contains("--measure") }) { break }
            usleep(100_000)
        }
        let commands = children.map { (try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "?" }
        #expect(children.count >= 2, "mpirun and the measuring wconv should run: \(commands)")
        let started = Dictionary(uniqueKeysWithValues: children.compactMap { pid in Self.status(pid).map { (pid, $0.start) } })
        let living = { started.filter { Self.alive($0.key, start: $0.value) }.map(\.key) }
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline && process.isRunning { usleep(100_000) }
        #expect(!process.isRunning, "wconv did not end on signal \(signal)")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        while ContinuousClock.now < deadline && !living().isEmpty { usleep(100_000) }
        let left = living()
        for pid in left { kill(pid, SIGKILL) }
        #expect(left.isEmpty, "still running after signal \(signal): \(left.map { (try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "?" })")
    }
}
