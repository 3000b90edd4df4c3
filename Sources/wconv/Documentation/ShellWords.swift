/// The words of a shell command line: quotes and backslashes removed, operators (`&&`, `||`,
/// `;`, `|`, `&`, redirections with their file, a comment) reported as operators.
enum ShellWords {
    /// A word or an operator.
    struct Word: Equatable {
        /// The word without quotes, or the operator (`#` for the start of a comment).
        let text: String
        /// Whether it ends a command rather than being one of its words.
        let isOperator: Bool
    }

    /// The words of `line`.
    static func split(_ line: String) -> [Word] {
        var words: [Word] = [], current = "", started = false, quote: Character? = nil, escaped = false
        func finish() {
            if started { words.append(Word(text: current, isOperator: false)) }
            current = ""
            started = false
        }
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\\" {
                escaped = true
                started = true
            } else if character == "'" || character == "\"" {
                quote = character
                started = true
            } else if character == " " || character == "\t" {
                finish()
            } else if character == "#" && !started {
                words.append(Word(text: "#", isOperator: true))
                return words
            } else if "&|;<>".contains(character) {
                // `2>` is a redirection too: drop the descriptor number.
                if current.allSatisfy(\.isNumber) && !current.isEmpty && (character == ">" || character == "<") { current = ""; started = false }
                finish()
                if let last = words.last, last.isOperator, last.text.count < 2 {
                    words[words.count - 1] = Word(text: last.text + String(character), isOperator: true)
                } else {
                    words.append(Word(text: String(character), isOperator: true))
                }
            } else {
                current.append(character)
                started = true
            }
        }
        finish()
        return words
    }
}
