import Foundation

/// An exclusive lock on a folder that two processes should not write into at once (a training
/// run's `--output`): `flock` on `folder/.lock`, held until ``release()`` or the end of the
/// process (the system releases it even when the process is killed).
public final class FolderLock {
    /// The locked folder.
    public let folder: String
    private var descriptor: Int32

    /// Creates the folder if needed and takes its lock.
    /// - Throws: ``DataError`` when another process holds the lock, or the lock file cannot be opened.
    public init(_ folder: String) throws(DataError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(folder, "cannot create folder: \(error.localizedDescription)")
        }
        let path = folder + "/.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw DataError(path, "cannot open the lock file (\(String(cString: strerror(errno))))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8)).map { " (process \($0.trimmingCharacters()))" } ?? ""
            close(descriptor)
            throw DataError(folder, "another run is writing into this folder\(holder); wait for it or choose another --output")
        }
        self.folder = folder
        ftruncate(descriptor, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
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
