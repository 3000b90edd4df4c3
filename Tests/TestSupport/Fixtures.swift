import Foundation

/// Files committed under `Tests/Fixtures`, written by an earlier release of `wconv` (see
/// `Tests/Fixtures/README.md`): what newer versions must still read.
public enum Fixtures {
    /// The path of `name` inside `Tests/Fixtures`.
    public static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }
}
