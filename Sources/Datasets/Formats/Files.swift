import CCodecs
import Foundation
import WeightedConvolution

/// Reading and writing whole files, with gzip and atomic replacement.
public enum Files {
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
    /// - Parameter limit: the most bytes the data may inflate to.
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
    /// - Throws: ``DataError`` when the folder or file cannot be written.
    public static func atomicWrite(_ bytes: [UInt8], to path: String) throws(DataError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(path, "cannot create folder \(folder): \(error.localizedDescription)")
        }
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw DataError(path, "cannot write (\(String(cString: strerror(errno))))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                close(descriptor)
                unlink(temporary)
                throw DataError(path, "write failed (\(String(cString: strerror(errno))))")
            }
            written += n
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DataError(path, "cannot replace the file (\(String(cString: strerror(errno))))")
        }
    }
}
