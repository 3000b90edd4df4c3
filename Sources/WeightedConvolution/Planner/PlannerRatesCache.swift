import Foundation
import GridCore

/// Where ``PlannerRates`` come from, and the user cache that keeps calibrated ones, like FFTW's
/// wisdom: one small JSON file per processor model, instruction-set tier, thread count and
/// build (`planner-rates-<hash>.json` in `$XDG_CACHE_HOME/wconv`, else `~/.cache/wconv`), written
/// atomically.
///
/// The environment variable `WCONV_PLANNER_RATES` chooses, once per process:
/// - `cached` (default): the cached rates (stored by `wconv bench calibrate` or an earlier
///   `calibrate` process), else the shipped ones; never measures;
/// - `calibrate`: the cached rates; when there are none, a calibration
///   (``PlannerCalibration``, under a second) whose rates are stored;
/// - `shipped`: the shipped rates (neither reads nor writes the cache).
/// A cache file that cannot be decoded, belongs to another key or holds implausible rates is
/// refused with one warning on standard error, and the shipped rates are used; so are they,
/// with one warning, when the calibrated rates cannot be written.
package enum PlannerRatesCache {
    /// The environment variable that chooses the source.
    package static let sourceVariable = "WCONV_PLANNER_RATES"

    /// The sources `WCONV_PLANNER_RATES` names.
    package enum Source: String, Sendable, CaseIterable {
        case calibrate, cached, shipped
    }

    /// What a cache file holds: the key it was measured for, and the rates.
    package struct Entry: Codable, Equatable, Sendable {
        /// The processor model (`model name` of `/proc/cpuinfo`).
        package var processor: String
        /// The instruction-set tier the kernels ran.
        package var tier: String
        /// The compute threads.
        package var threads: Int
        /// The build: size and modification time of the executable.
        package var build: String
        /// The rates measured.
        package var rates: PlannerRates

        /// An entry of `rates` for a processor, tier, thread count and build.
        package init(processor: String, tier: String, threads: Int, build: String, rates: PlannerRates) {
            (self.processor, self.tier, self.threads, self.build, self.rates) = (processor, tier, threads, build, rates)
        }
    }

    /// The key of this process: processor, tier, threads and build.
    package static func currentKey() -> Entry {
        Entry(processor: processorModel, tier: InstructionSet.active.name, threads: ComputeThreads.count, build: build,
              rates: .shipped)
    }

    /// The rates the process-wide planner runs on (see the type's description) and where they
    /// come from.
    static func ratesForThisProcess() -> (rates: PlannerRates, origin: String) {
        let value = ProcessInfo.processInfo.environment[sourceVariable] ?? ""
        // Not `calibrate` by default: a calibration of under a second on small layers was measured
        // to vary twofold between runs on one machine and to send `.auto` to paths at half the
        // speed of the shipped rates' choice (Docs/Performance.md); it stays an explicit step.
        let source: Source = value.isEmpty ? .cached : Source(rawValue: value) ?? {
            warn("\(sourceVariable)=\(value) is not calibrate, cached or shipped; using cached")
            return .cached
        }()
        guard source != .shipped, let folder = folder() else { return (.shipped, "shipped") }
        let key = currentKey()
        let path = self.path(for: key, folder: folder)
        switch load(key, folder: folder) {
        case .found(let rates): return (rates, "calibrated (cached in \(path))")
        case .refused(let reason):
            warn(reason + "; using the shipped planner rates")
            return (.shipped, "shipped")
        case .missing:
            guard source == .calibrate else { return (.shipped, "shipped") }
            warn("calibrating the convolution planner for \(key.processor) (\(key.tier), \(key.threads) threads; "
                 + "once per build, kept in \(folder))…")
            do {
                let rates = try PlannerCalibration.measure()
                try store(Entry(processor: key.processor, tier: key.tier, threads: key.threads, build: key.build, rates: rates),
                          folder: folder)
                return (rates, "calibrated now (cached in \(path))")
            } catch {
                warn("cannot keep the calibrated planner rates in \(folder) (\(error.localizedDescription)); using the shipped ones")
                return (.shipped, "shipped")
            }
        }
    }

    /// The outcome of reading the cache.
    package enum Lookup: Equatable {
        case found(PlannerRates), missing, refused(String)
    }

    /// The rates cached in `folder` for `key` (its processor, tier, threads and build).
    package static func load(_ key: Entry, folder: String) -> Lookup {
        let path = self.path(for: key, folder: folder)
        guard let data = FileManager.default.contents(atPath: path) else { return .missing }
        guard let entry = try? JSONDecoder().decode(Entry.self, from: data) else {
            return .refused("the planner cache \(path) is not a rates file")
        }
        guard entry.processor == key.processor, entry.tier == key.tier, entry.threads == key.threads, entry.build == key.build
        else { return .refused("the planner cache \(path) is for another processor, tier, thread count or build") }
        guard entry.rates.isPlausible else { return .refused("the planner cache \(path) holds implausible rates") }
        return .found(entry.rates)
    }

    /// Writes `entry` into `folder` (created if needed) atomically: a temporary file renamed.
    package static func store(_ entry: Entry, folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(entry).write(to: URL(fileURLWithPath: path(for: entry, folder: folder)), options: .atomic)
    }

    /// The cache file of `key` in `folder`.
    package static func path(for key: Entry, folder: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the key
        for byte in "\(key.processor)|\(key.tier)|\(key.threads)|\(key.build)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return folder + "/planner-rates-" + String(hash, radix: 16) + ".json"
    }

    /// `$XDG_CACHE_HOME/wconv` (an absolute path), else `$HOME/.cache/wconv`; nil without either.
    package static func folder() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/wconv" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.cache/wconv"
    }

    /// The `model name` line of `/proc/cpuinfo`, or `unknown processor`.
    package static let processorModel: String = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown processor"
    }()

    /// Size and modification time of the running executable: a new build calibrates anew.
    static let build: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: executable) else { return "unknown" }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size)-\(Int64(time))"
    }()

    /// One line on standard error.
    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }
}
