import Foundation

/// An exclusive lock on something two processes should not write at once (a training run's
/// `--output` folder, a study file): `flock` on a lock file (`folder/.lock`, or one given), which
/// names the holder (its process id and host), held until ``release()`` or the end of the process
/// (the system releases it even when the process is killed). Two locks on one lock file exclude
/// each other also within one process.
public final class FolderLock {
    /// What is locked: the folder, or the subject given with the lock file.
    public let folder: String
    private var descriptor: Int32

    /// Creates the folder if needed and takes its lock (`folder/.lock`).
    /// - Throws: ``DataError`` when another process holds the lock (naming it), or the lock file
    ///   cannot be opened.
    public convenience init(_ folder: String) throws(DataError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(folder, "cannot create folder: \(error.localizedDescription)")
        }
        try self.init(lockFile: folder + "/.lock", subject: folder, busy: "another run is writing into this folder",
                      advice: "wait for it or choose another --output")
    }

    /// Takes the lock of `lockFile` (created if needed; its folder must exist).
    /// - Parameters:
    ///   - lockFile: the lock file.
    ///   - subject: what is locked, named by errors.
    ///   - busy: what the refusal says when another process holds the lock, before the holder
    ///     (`process 1234 on host`) and `advice`.
    ///   - advice: what to do then.
    /// - Throws: ``DataError`` when another process holds the lock (naming it), or the lock file
    ///   cannot be opened.
    public init(lockFile: String, subject: String, busy: String, advice: String) throws(DataError) {
        descriptor = open(lockFile, O_RDWR | O_CREAT | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw DataError(lockFile, "cannot open the lock file (\(String(cString: strerror(errno))))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockFile, encoding: .utf8)).map { " (process \($0.trimmingCharacters()))" } ?? ""
            close(descriptor)
            throw DataError(subject, "\(busy)\(holder); \(advice)")
        }
        self.folder = subject
        ftruncate(descriptor, 0)
        let holder = Array("\(getpid()) on \(ProcessInfo.processInfo.hostName)\n".utf8)
        _ = holder.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
    }

    /// Releases the lock (also done when the value is freed).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
