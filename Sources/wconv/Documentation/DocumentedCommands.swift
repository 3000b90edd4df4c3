import Foundation

/// The `wconv` command lines and relative links of one Markdown file, as a reader would copy them.
struct DocumentedCommands {
    /// A `wconv` command line: its arguments after `wconv`, and where it is.
    struct CommandLine {
        /// The arguments after the `wconv` word.
        let arguments: [String]
        /// 1-based line of the file where the command starts.
        let line: Int
        /// Whether it comes from inline code in prose (which may leave out required options).
        let inline: Bool
    }

    /// A relative link target (no scheme, no fragment) and its line.
    struct Link {
        /// The path as written, without `#fragment`.
        let path: String
        /// 1-based line of the file.
        let line: Int
    }

    /// The commands in fenced code blocks and inline code, in the order of the file.
    private(set) var commands: [CommandLine] = []
    /// The relative links of the prose (not of code).
    private(set) var links: [Link] = []

    /// The info strings of code blocks that hold shell commands (others, e.g. `text` or `swift`, are not read).
    static let shellLanguages: Set<String> = ["", "sh", "bash", "shell", "console", "zsh"]

    /// Reads the commands and links of `text`: shell code blocks line by line (with `\\`
    /// continuations), prose paragraph by paragraph (inline code may span lines).
    init(markdown text: String) {
        var fenced = false, shell = false, pending = "", pendingLine = 0, paragraph: [String] = [], paragraphLine = 0
        func endParagraph() {
            let (prose, spans) = Self.splitInlineCode(paragraph.joined(separator: " "))
            // A span with a placeholder (`wconv …`) names a command, it does not show one.
            for span in spans where span.hasPrefix("wconv ") && !span.contains("…") {
                for arguments in Self.wconvArguments(in: span) {
                    commands.append(CommandLine(arguments: arguments, line: paragraphLine, inline: true))
                }
            }
            links += Self.relativeLinks(in: prose).map { Link(path: $0, line: paragraphLine) }
            paragraph = []
        }
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                endParagraph()
                fenced.toggle()
                shell = fenced && Self.shellLanguages.contains(String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces))
                pending = ""
                continue
            }
            if fenced {
                guard shell else { continue }
                if pending.isEmpty { pendingLine = index + 1 }
                // A trailing backslash continues the command on the next line.
                if trimmed.hasSuffix("\\") {
                    pending += String(trimmed.dropLast()) + " "
                    continue
                }
                let command = pending + (trimmed.hasPrefix("$ ") ? String(trimmed.dropFirst(2)) : trimmed)
                pending = ""
                for arguments in Self.wconvArguments(in: command) {
                    commands.append(CommandLine(arguments: arguments, line: pendingLine, inline: false))
                }
                continue
            }
            if trimmed.isEmpty {
                endParagraph()
            } else {
                if paragraph.isEmpty { paragraphLine = index + 1 }
                paragraph.append(trimmed)
            }
        }
        endParagraph()
    }

    /// The text of `line` outside backquotes, and the inline code spans.
    static func splitInlineCode(_ line: String) -> (prose: String, spans: [String]) {
        var prose = "", spans: [String] = [], current = "", inCode = false
        for character in line {
            if character == "`" {
                if inCode { spans.append(current); current = "" }
                inCode.toggle()
            } else if inCode {
                current.append(character)
            } else {
                prose.append(character)
            }
        }
        return (prose, spans)
    }

    /// `[text](target)` and `[name]: target`, compiled once (constant patterns: a failure is a
    /// mistake in this file, not in the documents read).
    private static let linkExpressions = [#"\]\(([^)\s]+)(?:\s+"[^"]*")?\)"#, #"^\s*\[[^\]]+\]:\s*(\S+)"#].map {
        try! NSRegularExpression(pattern: $0)
    }

    /// The targets of `[text](target)` and `[name]: target` that are paths in this repository.
    static func relativeLinks(in prose: String) -> [String] {
        var targets: [String] = []
        for expression in linkExpressions {
            let range = NSRange(prose.startIndex..., in: prose)
            for match in expression.matches(in: prose, range: range) {
                guard let r = Range(match.range(at: 1), in: prose) else { continue }
                targets.append(String(prose[r]))
            }
        }
        return targets.compactMap { target in
            guard !target.contains("://"), !target.hasPrefix("mailto:"), !target.hasPrefix("doc:"), !target.hasPrefix("#") else {
                return nil
            }
            let path = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return path.removingPercentEncoding ?? String(path)
        }
    }

    /// The argument lists of every `wconv` invocation in a shell command line: the words after a
    /// word `wconv`, `…/wconv` or `$B` (the README's name for the built tool) that is not the
    /// value of an option (`--target wconv`), up to the end of the command (`&&`, `;`, `|`, a
    /// redirection or a comment).
    static func wconvArguments(in command: String) -> [[String]] {
        var result: [[String]] = [], current: [String]? = nil, previous = ""
        for word in ShellWords.split(command) {
            if word.isOperator {
                if let arguments = current { result.append(arguments) }
                current = nil
                if word.text == "#" { break }
                continue
            }
            if current != nil {
                current!.append(word.text)
            } else if (word.text == "wconv" || word.text.hasSuffix("/wconv") || word.text == "$B") && !previous.hasPrefix("-") {
                current = []
            }
            previous = word.text
        }
        if let arguments = current { result.append(arguments) }
        return result
    }
}
