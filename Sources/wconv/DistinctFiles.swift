import ArgumentParser
import Datasets
import Foundation

/// The files a command reads and writes, checked before any work: no file is written twice, and
/// none is both read and written (writing would destroy the input it is computed from). Two
/// spellings of one file (`a.png`, `./a.png`, a symbolic or hard link) are the same file.
enum DistinctFiles {
    /// Checks `inputs` against `outputs`.
    /// - Throws: `ValidationError` naming a file given for two outputs, or as an input and an output.
    static func check(inputs: [String], outputs: [String]) throws {
        let written = outputs.map { ($0, Files.identity($0)) }
        if let repeated = Dictionary(grouping: written, by: \.1).values.first(where: { $0.count > 1 }) {
            throw ValidationError("\(repeated[0].0) is given for two outputs; each output needs its own file")
        }
        let read = Set(inputs.map(Files.identity))
        if let clash = written.first(where: { read.contains($0.1) }) {
            throw ValidationError("\(clash.0) is both an input and an output")
        }
    }
}
