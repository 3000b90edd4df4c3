/// The header of a `.npy` file, parsed by NumPy's grammar: the magic string `\x93NUMPY`, a
/// version of 1.0, 2.0 or 3.0, the header's length (2 bytes little-endian in version 1, 4 bytes
/// after), then one Python dictionary literal with exactly the keys `descr` (a string),
/// `fortran_order` (`True` or `False`) and `shape` (a tuple of non-negative integers), each once,
/// padded with spaces to a newline that ends the header.
///
/// Everything NumPy refuses is refused here, with a message that says what was found. A few
/// things NumPy tolerates are refused too, because no NumPy writes them and they make a file
/// ambiguous or damaged: a repeated key (NumPy keeps the last), anything but spaces between the
/// dictionary and the final newline, a header whose end is not aligned to 16 bytes (NumPy pads to
/// 64, and to 16 before version 1.14), string escapes, comments, and integers written other than
/// in plain decimal (NumPy's `ast.literal_eval` reads `0x10`, `1_0` and, in version 1 and 2
/// files, Python 2's `10L`).
struct NpyHeader: Equatable {
    /// The dtype string, e.g. `<f4`.
    var descr: String
    /// Whether the data is in Fortran (column-major) order.
    var fortranOrder: Bool
    /// The array's shape.
    var shape: [Int]
    /// Where the data starts: the header's end.
    var dataOffset: Int

    /// The longest header NumPy reads without `allow_pickle`, in characters.
    static let maximumLength = 10_000

    /// Parses the header at the start of `bytes`.
    /// - Throws: a message saying what was expected and what was found.
    static func parse(_ bytes: [UInt8]) throws(NpyHeaderError) -> NpyHeader {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 8, Array(bytes[0..<6]) == magic else { throw NpyHeaderError("not a .npy file (bad magic)") }
        let (major, minor) = (bytes[6], bytes[7])
        guard [1, 2, 3].contains(major), minor == 0 else {
            throw NpyHeaderError("unsupported .npy version \(major).\(minor) (1.0, 2.0 or 3.0 expected)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw NpyHeaderError("truncated .npy header") }
        let length = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let start = 8 + lengthBytes
        guard length <= maximumLength else {
            throw NpyHeaderError("the header is \(length) bytes long, more than NumPy reads (\(maximumLength))")
        }
        guard bytes.count >= start + length else { throw NpyHeaderError("truncated .npy header") }
        guard (start + length) % 16 == 0 else {
            throw NpyHeaderError("the header ends at byte \(start + length), which is not a multiple of 16 (NumPy pads it to 64)")
        }
        var parser = NpyHeaderParser(text: Array(bytes[start..<(start + length)]))
        var header = try parser.dictionary()
        header.dataOffset = start + length
        return header
    }
}

/// Why a `.npy` header was refused.
struct NpyHeaderError: Error {
    /// What was expected and what was found.
    let message: String
    init(_ message: String) { self.message = message }
}

/// A reader of the header's dictionary literal, byte by byte.
private struct NpyHeaderParser {
    let text: [UInt8]
    var at = 0

    /// `{ 'key': value, … }` followed by spaces and one newline at the very end.
    mutating func dictionary() throws(NpyHeaderError) -> NpyHeader {
        while at < text.count, text[at] == UInt8(ascii: " ") || text[at] == UInt8(ascii: "\t") { at += 1 }
        guard peek == UInt8(ascii: "{") else { throw NpyHeaderError("the header must be a dictionary starting with '{', found \(found)") }
        at += 1
        var values: [String: Value] = [:]
        while true {
            skipSpace()
            if peek == UInt8(ascii: "}") { break }
            let key = try string(what: "a key in quotes")
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw NpyHeaderError("unexpected key '\(key)' in the header (only 'descr', 'fortran_order' and 'shape')")
            }
            guard values[key] == nil else { throw NpyHeaderError("the key '\(key)' appears twice in the header") }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw NpyHeaderError("':' expected after '\(key)', found \(found)") }
            at += 1
            skipSpace()
            values[key] = try value()
            skipSpace()
            if peek == UInt8(ascii: ",") { at += 1; continue }
            guard peek == UInt8(ascii: "}") else { throw NpyHeaderError("',' or '}' expected after the value of '\(key)', found \(found)") }
        }
        at += 1
        let padding = text[at...]
        guard padding.last == UInt8(ascii: "\n"), padding.dropLast().allSatisfy({ $0 == UInt8(ascii: " ") }) else {
            throw NpyHeaderError("the header's padding must be spaces ending in a newline, found \(Self.quote(padding))")
        }
        for key in ["descr", "fortran_order", "shape"] where values[key] == nil {
            throw NpyHeaderError("the header has no '\(key)'")
        }
        guard case .string(let descr) = values["descr"]! else { throw NpyHeaderError("descr must be a string, found \(values["descr"]!)") }
        let fortranOrder: Bool
        switch values["fortran_order"]! {
        case .word("True"): fortranOrder = true
        case .word("False"): fortranOrder = false
        case let other: throw NpyHeaderError("fortran_order must be True or False, found \(other)")
        }
        guard case .tuple(let items) = values["shape"]!, items.allSatisfy(Self.isDecimal) else {
            throw NpyHeaderError("shape must be a tuple of non-negative integers, found \(values["shape"]!)")
        }
        let shape = items.compactMap { Int($0) }
        guard shape.count == items.count else { throw NpyHeaderError("shape \(values["shape"]!) has a side too large for an integer") }
        return NpyHeader(descr: descr, fortranOrder: fortranOrder, shape: shape, dataOffset: 0)
    }

    /// A value: a string, a parenthesised tuple (its items as written), or a bare word.
    enum Value: CustomStringConvertible {
        case string(String), tuple([String]), word(String)
        var description: String {
            switch self {
            case .string(let s): "'\(s)'"
            case .tuple(let items): "(" + items.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
            case .word(let w): w
            }
        }
    }

    mutating func value() throws(NpyHeaderError) -> Value {
        if peek == UInt8(ascii: "'") || peek == UInt8(ascii: "\"") { return .string(try string(what: "a string")) }
        if peek == UInt8(ascii: "(") {
            at += 1
            var items: [String] = []
            while true {
                skipSpace()
                if peek == UInt8(ascii: ")") { break }
                let item = word()
                guard !item.isEmpty else { throw NpyHeaderError("a tuple item expected in the shape, found \(found)") }
                items.append(item)
                skipSpace()
                if peek == UInt8(ascii: ",") { at += 1; continue }
                guard peek == UInt8(ascii: ")") else { throw NpyHeaderError("',' or ')' expected in the shape, found \(found)") }
                if items.count == 1 { at += 1; return .word("(\(item))") }   // `(2)` is the integer 2, not a tuple
            }
            at += 1
            return .tuple(items)
        }
        let w = word()
        guard !w.isEmpty else { throw NpyHeaderError("a value expected, found \(found)") }
        return .word(w)
    }

    /// A quoted string without escapes.
    mutating func string(what: String) throws(NpyHeaderError) -> String {
        guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw NpyHeaderError("\(what) expected in the header, found \(found)")
        }
        let begin = at + 1
        guard let end = text[begin...].firstIndex(where: { $0 == quote || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }),
              text[end] == quote else {
            throw NpyHeaderError("unterminated or escaped string in the header: \(Self.quote(text[(begin - 1)...]))")
        }
        at = end + 1
        return String(decoding: text[begin..<end], as: UTF8.self)
    }

    /// The run of ASCII letters, digits, `_`, `+`, `-` and `.` at the cursor.
    mutating func word() -> String {
        let begin = at
        while at < text.count, Self.wordBytes.contains(text[at]) { at += 1 }
        return String(decoding: text[begin..<at], as: UTF8.self)
    }

    static let wordBytes = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.".utf8))

    /// Whether `item` is a plain decimal integer ≥ 0 as Python writes it (no sign, no leading zero).
    static func isDecimal(_ item: String) -> Bool {
        !item.isEmpty && item.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } && (item == "0" || !item.hasPrefix("0"))
    }

    mutating func skipSpace() {
        while at < text.count, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(text[at]) { at += 1 }
    }

    var peek: UInt8? { at < text.count ? text[at] : nil }

    /// What is at the cursor, for a message: up to 12 characters, or `the header's end`.
    var found: String { at < text.count ? Self.quote(text[at..<min(text.count, at + 12)]) : "the header's end" }

    static func quote(_ bytes: ArraySlice<UInt8>) -> String {
        "\"" + String(decoding: bytes.prefix(24), as: UTF8.self).unicodeScalars.map {
            (0x20...0x7E).contains($0.value) ? String($0) : $0.escaped(asASCII: true)
        }.joined() + "\""
    }
}
