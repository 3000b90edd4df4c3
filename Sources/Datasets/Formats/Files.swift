import CCodecs
import Foundation
import GridCore

/// Reading and writing whole files, with gzip and atomic replacement.
public enum Files {
    /// What identifies the file at `path`, so that two spellings of one file (`a.png`,
    /// `./a.png`, a symbolic or hard link) compare equal: its device and inode when it exists,
    /// else its absolute path with `.`, `..` and symbolic links of its folder resolved.
    public static func identity(_ path: String) -> String {
        var status = stat()
        if stat(path, &status) == 0 { return "inode \(status.st_dev):\(status.st_ino)" }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }

    /// The bytes of a file.
    /// - Throws: ``DataError`` when the file is missing or unreadable.
    public static func read(_ path: String) throws(DataError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError(path, "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError(path, "cannot be read") }
        return [UInt8](data)
    }

    /// The bytes of a file, inflated when it is gzip-compressed (by its magic bytes).
    /// - Throws: ``DataError`` when the file is missing, unreadable, or corrupt gzip.
    public static func readDecompressed(_ path: String) throws(DataError) -> [UInt8] {
        let bytes = try read(path)
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        return try gunzip(bytes, path: path)
    }

    /// Compresses data in the gzip format.
    public static func gzip(_ bytes: [UInt8]) throws(DataError) -> [UInt8] {
        try callCodec(path: "(gzip)") { out, count, message in wc_gzip(bytes, bytes.count, &out, &count, &message, message.count) }
    }

    /// Calls a codec that returns a buffer allocated in C, and copies it out.
    static func callCodec(
        path: String, _ body: (inout UnsafeMutablePointer<UInt8>?, inout Int, inout [CChar]) -> Int32
    ) throws(DataError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        var message = [CChar](repeating: 0, count: 256)
        guard body(&out, &count, &message) == 0, let out else { throw DataError(path, decoderMessage(message)) }
        defer { wc_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: count))
    }

    /// The most bytes gzip data may inflate to: 4 GiB, or half the physical memory when that is
    /// less. A few kilobytes of gzip can claim terabytes (a "gzip bomb"); past the limit,
    /// inflation stops with an error.
    public static let inflationLimit = min(1 << 32, SizeLimits.physicalMemory / 2)

    /// Inflates gzip data.
    /// - Parameters:
    ///   - bytes: the gzip data.
    ///   - path: the file the data came from, named in errors.
    ///   - limit: the most bytes the data may inflate to.
    /// - Throws: ``DataError`` naming `path` for corrupt or truncated data, or data that inflates
    ///   to more than `limit` bytes.
    public static func gunzip(_ bytes: [UInt8], path: String, limit: Int = inflationLimit) throws(DataError) -> [UInt8] {
        try callCodec(path: path) { out, count, message in
            wc_gunzip(bytes, bytes.count, max(0, limit), &out, &count, &message, message.count)
        }
    }

    /// Replaces `path` with `bytes` atomically: the bytes go to a temporary file in the same
    /// folder, are flushed to disk, and the file is renamed over `path`, so a crash leaves either
    /// the old or the new file, never a partial one. Missing folders are created.
    ///
    /// Only regular files are replaced: a device, FIFO, socket or folder at `path` is refused. A
    /// symbolic link is followed: the regular file it points to is replaced and the link kept (a
    /// dangling link is refused). Temporary files that killed writers left beside `path` (their
    /// process no longer runs) are removed.
    /// - Throws: ``DataError`` when the folder or file cannot be written, or `path` is not a
    ///   regular file.
    public static func atomicWrite(_ bytes: [UInt8], to requested: String) throws(DataError) {
        let path = try replaceableTarget(requested)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(requested, "cannot create folder \(folder): \(error.localizedDescription)")
        }
        let prefix = "." + url.lastPathComponent + ".tmp-"
        removeStaleTemporaries(in: folder, prefix: prefix)
        let temporary = folder + "/" + prefix + "\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw DataError(requested, "cannot write (\(String(cString: strerror(errno))))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                close(descriptor)
                unlink(temporary)
                throw DataError(requested, "write failed (\(String(cString: strerror(errno))))")
            }
            written += n
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DataError(requested, "cannot replace the file (\(String(cString: strerror(errno))))")
        }
    }

    /// The file an atomic write to `path` replaces: `path` itself, or the target of a symbolic
    /// link; it must be a regular file when it exists.
    private static func replaceableTarget(_ path: String) throws(DataError) -> String {
        var status = stat()
        guard lstat(path, &status) == 0 else { return path }  // nothing there yet
        var target = path
        if status.st_mode & S_IFMT == S_IFLNK {
            guard let resolved = realpath(path, nil) else { throw DataError(path, "is a symbolic link to nothing; not replaced") }
            target = String(cString: resolved)
            free(resolved)
            guard stat(target, &status) == 0 else { throw DataError(path, "is a symbolic link to nothing; not replaced") }
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw DataError(path, "is not a regular file (a device, FIFO, socket or folder); not replaced")
        }
        return target
    }

    /// Removes `folder/prefix<pid>` files whose process is gone (left by writers that were killed).
    private static func removeStaleTemporaries(in folder: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(folder + "/" + name)
        }
    }
}
