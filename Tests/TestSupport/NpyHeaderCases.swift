/// `.npy` headers by NumPy's grammar, each with what NumPy 2.4 does with it (checked with
/// `numpy.load` on these bytes) and the words the reader's refusal must contain.
public enum NpyHeaderCases {
    /// A valid header of a `<f4` array of shape (2, 3).
    public static let valid = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"

    /// One case: the file's bytes and the reader's expected answer (`nil`: accepted as a 2×3
    /// array; otherwise words of the message).
    public struct Case: Sendable, CustomStringConvertible {
        /// What the case is.
        public let name: String
        /// The whole file.
        public let bytes: [UInt8]
        /// Words the refusal must contain, or `nil` when the file is read.
        public let refusal: String?
        /// Whether NumPy reads the file (the reader is stricter in a few documented cases).
        public let numpyReads: Bool
        /// The name.
        public var description: String { name }
    }

    /// A file of `header` (padded with spaces and a newline so the data starts at a multiple of
    /// 64 bytes, unless `raw`) and 24 bytes of data (six `<f4` zeros).
    public static func file(_ header: String, major: UInt8 = 1, minor: UInt8 = 0, raw: Bool = false,
                            dataBytes: Int = 24) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = major == 1 ? 10 : 12
        if !raw { text += [UInt8](repeating: 0x20, count: (64 - (prefix + text.count + 1) % 64) % 64) + [0x0A] }
        let length = (0..<(prefix - 8)).map { UInt8((text.count >> (8 * $0)) & 0xFF) }
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, minor] + length + text + [UInt8](repeating: 0, count: dataBytes)
    }

    /// `valid` with `a` replaced by `b`.
    static func valid(_ a: String, _ b: String) -> String { valid.replacingOccurrences(of: a, with: b) }

    /// Every case.
    public static let all: [Case] = [
        Case(name: "as numpy.save writes it", bytes: file(valid), refusal: nil, numpyReads: true),
        Case(name: "double quotes, keys reordered, no trailing comma",
             bytes: file("{\"shape\": (2, 3), \"descr\": \"<f4\", \"fortran_order\": False}"), refusal: nil, numpyReads: true),
        Case(name: "spaces and a line break inside", bytes: file("{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , 3 ) }"),
             refusal: nil, numpyReads: true),
        Case(name: "version 2.0", bytes: file(valid, major: 2), refusal: nil, numpyReads: true),
        Case(name: "version 3.0", bytes: file(valid, major: 3), refusal: nil, numpyReads: true),
        Case(name: "fortran_order Maybe", bytes: file(valid("False", "Maybe")), refusal: "fortran_order must be True or False, found Maybe",
             numpyReads: false),
        Case(name: "fortran_order 0", bytes: file(valid("False", "0")), refusal: "fortran_order must be True or False, found 0", numpyReads: false),
        Case(name: "fortran_order a string", bytes: file(valid("False", "'False'")),
             refusal: "fortran_order must be True or False, found 'False'", numpyReads: false),
        Case(name: "an extra key", bytes: file(valid("}", "'extra': 1, }")), refusal: "unexpected key 'extra'", numpyReads: false),
        Case(name: "an extra key and a trailing byte", bytes: file(valid("}", "'x': 1}x")), refusal: "unexpected key 'x'", numpyReads: false),
        Case(name: "no shape", bytes: file("{'descr': '<f4', 'fortran_order': False}", dataBytes: 4), refusal: "no 'shape'", numpyReads: false),
        Case(name: "'{' replaced", bytes: file(valid("{", "[")), refusal: "dictionary starting with '{', found \"['descr'", numpyReads: false),
        Case(name: "garbage in the padding", bytes: file(valid + "  x"), refusal: "padding must be spaces ending in a newline, found \"  x",
             numpyReads: false),
        Case(name: "shape an integer", bytes: file(valid("(2, 3)", "(6)")), refusal: "shape must be a tuple of non-negative integers, found (6)",
             numpyReads: false),
        Case(name: "shape a list", bytes: file(valid("(2, 3)", "[2, 3]")), refusal: "a value expected, found \"[2, 3]", numpyReads: false),
        Case(name: "shape of floats", bytes: file(valid("(2, 3)", "(2.0, 3)")), refusal: "found (2.0, 3)", numpyReads: false),
        Case(name: "shape with a string", bytes: file(valid("(2, 3)", "(2, '3')")), refusal: "found \"'3')", numpyReads: false),
        Case(name: "negative side", bytes: file(valid("(2, 3)", "(-2, 3)")), refusal: "non-negative integers, found (-2, 3)", numpyReads: false),
        Case(name: "descr an integer", bytes: file(valid("'<f4'", "5")), refusal: "descr must be a string, found 5", numpyReads: false),
        Case(name: "a key without quotes", bytes: file(valid("'descr'", "descr")), refusal: "a key in quotes expected", numpyReads: false),
        Case(name: "a missing comma", bytes: file(valid("'<f4',", "'<f4'")), refusal: "',' or '}' expected after the value of 'descr'",
             numpyReads: false),
        Case(name: "no closing brace", bytes: file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), "),
             refusal: "a key in quotes expected in the header, found the header's end", numpyReads: false),
        Case(name: "version 1.1", bytes: file(valid, minor: 1), refusal: "unsupported .npy version 1.1", numpyReads: false),
        Case(name: "version 4.0", bytes: file(valid, major: 4), refusal: "unsupported .npy version 4.0", numpyReads: false),
        Case(name: "a repeated key (NumPy keeps the last)", bytes: file(valid("}", "'descr': '<f8', }")),
             refusal: "the key 'descr' appears twice", numpyReads: false),
        Case(name: "unaligned end", bytes: file(valid + "\n", raw: true), refusal: "not a multiple of 16", numpyReads: true),
        Case(name: "a hexadecimal side", bytes: file(valid("(2, 3)", "(0x2, 3)")), refusal: "found (0x2, 3)", numpyReads: true),
        Case(name: "a comment", bytes: file(valid + " # c"), refusal: "padding must be spaces", numpyReads: true),
    ]
}
