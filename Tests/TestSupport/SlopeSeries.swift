import Foundation

/// A two-class series problem in the UCR `.ts` format that the command tests write: class `up`
/// rises, class `down` falls, each with a little deterministic wobble.
public enum SlopeSeries {
    /// Writes `count` univariate series of 24 values to `path` (classes alternate, `up` first);
    /// `seed` varies the wobble, so a training and a test file differ.
    public static func write(_ path: String, count: Int, seed: Int) throws {
        var lines = ["# two classes", "@problemName Slopes", "@univariate true", "@equalLength true", "@classLabel true up down", "@data"]
        for index in 0..<count {
            let up = index % 2 == 0
            let values = (0..<24).map { t in Float(up ? t : 24 - t) / 24 + Float((t * 7 + index * 13 + seed) % 11) / 50 }
            lines.append(values.map { String($0) }.joined(separator: ",") + (up ? ":up" : ":down"))
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
