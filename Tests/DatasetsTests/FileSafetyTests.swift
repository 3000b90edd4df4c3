import Foundation
import Testing
import Datasets

/// Atomic writes replace regular files only, follow symbolic links to them, and clean up after
/// killed writers; a folder lock keeps two runs apart.
@Suite struct FileSafetyTests {
    let folder: String = {
        let path = NSTemporaryDirectory() + "wconv-files-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func nonRegularFilesAreNotReplaced() throws {
        let fifo = folder + "/pipe"
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect { try Files.atomicWrite([1], to: fifo) } throws: { "\($0)".contains("not a regular file") }
        #expect { try Files.atomicWrite([1], to: folder) } throws: { "\($0)".contains("not a regular file") }
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "the FIFO is still there")
        #expect { try Files.atomicWrite([1], to: "/dev/null") } throws: { "\($0)".contains("not a regular file") }
    }

    @Test func symbolicLinksAreFollowedToRegularFiles() throws {
        let target = folder + "/target", link = folder + "/link"
        try Files.atomicWrite([1, 2], to: target)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try Files.atomicWrite([3], to: link)
        #expect(try Files.read(target) == [3])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target, "the link is kept")
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: folder + "/nothing")
        #expect(throws: DataError.self) { try Files.atomicWrite([1], to: folder + "/dangling") }
    }

    @Test func temporariesOfKilledWritersAreRemoved() throws {
        let stale = folder + "/.out.bin.tmp-2147483646"  // no process has this id
        FileManager.default.createFile(atPath: stale, contents: Data([9]))
        try Files.atomicWrite([1], to: folder + "/out.bin")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["out.bin"])
    }

    @Test func aLockedFolderRefusesASecondRun() throws {
        let first = try FolderLock(folder + "/run")
        #expect { _ = try FolderLock(folder + "/run") } throws: { "\($0)".contains("another run") }
        first.release()
        _ = try FolderLock(folder + "/run")
    }
}
