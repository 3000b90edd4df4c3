import ArgumentParser
import Foundation

/// `wconv check-docs ROOT` (hidden): parses every `wconv` command line of the README, `Docs/`
/// and the DocC articles under ROOT with this tool's own argument parser (without running
/// anything), and checks that every relative link of them names a file that exists. The tests
/// run it on the package's own tree, so a documented flag that the code no longer has fails them.
struct CheckDocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-docs", abstract: "Check the documentation's wconv command lines and relative links.",
        shouldDisplay: false)

    @Argument(help: "The package's folder.") var root = "."

    func run() throws {
        let files = try Self.markdownFiles(under: root)
        guard !files.isEmpty else { throw CommandFailure("\(root): no README.md, Docs/*.md or Sources/*/*.docc/*.md") }
        var problems: [String] = [], commandCount = 0, linkCount = 0
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            let found = DocumentedCommands(markdown: text)
            for command in found.commands {
                commandCount += 1
                if let problem = Self.problem(parsing: command) {
                    problems.append("\(file):\(command.line): wconv \(command.arguments.joined(separator: " ")): \(problem)")
                }
            }
            let folder = (file as NSString).deletingLastPathComponent
            for link in found.links {
                linkCount += 1
                let target = link.path.hasPrefix("/") ? link.path : root + "/" + (folder.isEmpty ? "" : folder + "/") + link.path
                if !FileManager.default.fileExists(atPath: target) {
                    problems.append("\(file):\(link.line): link to \(link.path): no such file")
                }
            }
        }
        print("checked \(commandCount) wconv command lines and \(linkCount) relative links in \(files.count) files")
        guard problems.isEmpty else {
            throw CommandFailure("\(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + problems.joined(separator: "\n"))
        }
    }

    /// Why `command` does not parse, or `nil` when it does (a request for help parses; inline code
    /// in prose may leave out the required options).
    static func problem(parsing command: DocumentedCommands.CommandLine) -> String? {
        do {
            _ = try WConv.parseAsRoot(command.arguments)
            return nil
        } catch {
            if WConv.exitCode(for: error) == .success { return nil }
            let message = WConv.message(for: error)
            if command.inline && message.hasPrefix("Missing expected argument") { return nil }
            return message.replacingOccurrences(of: "\n", with: " ")
        }
    }

    /// README.md, Docs/*.md and Sources/*/*.docc/*.md under `root`, relative to it, sorted.
    static func markdownFiles(under root: String) throws -> [String] {
        let manager = FileManager.default
        func markdown(in folder: String) -> [String] {
            ((try? manager.contentsOfDirectory(atPath: root + "/" + folder)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
                .map { folder + "/" + $0 }
        }
        var files = manager.fileExists(atPath: root + "/README.md") ? ["README.md"] : []
        files += markdown(in: "Docs")
        for module in ((try? manager.contentsOfDirectory(atPath: root + "/Sources")) ?? []).sorted() {
            let modulePath = "Sources/" + module
            for catalogue in ((try? manager.contentsOfDirectory(atPath: root + "/" + modulePath)) ?? []).sorted()
            where catalogue.hasSuffix(".docc") {
                files += markdown(in: modulePath + "/" + catalogue)
            }
        }
        return files
    }
}
