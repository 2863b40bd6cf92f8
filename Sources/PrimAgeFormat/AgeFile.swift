/// The age file's structure without its cryptography: armor, the version line, stanzas and the
/// MAC line, parsed strictly as bytes (never as Swift Strings, which read CRLF as one Character).
/// What `validate` can check of an encrypted secret without a key; PrimAge decrypts.
public enum AgeFile {
    public struct Problem: Error, Equatable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    static let version = Array("age-encryption.org/v1".utf8)

    public struct Stanza: Sendable {
        public var args: [String]
        public var body: [UInt8]
    }

    public struct Header: Sendable {
        public var stanzas: [Stanza]
        /// Where the payload begins.
        public var end: Int
        public var mac: [UInt8]
        /// The bytes the MAC covers.
        public var macInput: [UInt8]
    }

    /// The stanzas, where the payload begins, the MAC, and the bytes the MAC covers.
    public static func header(_ file: [UInt8]) throws(Problem) -> Header {
        var offset = 0
        func line() throws(Problem) -> ArraySlice<UInt8> {
            guard let end = file[offset...].firstIndex(of: 0x0A) else {
                throw Problem("the header ends without a newline")
            }
            let text = file[offset..<end]
            offset = end + 1
            return text
        }
        guard Array(try line()) == version else { throw Problem("it does not start with age-encryption.org/v1") }
        var stanzas: [Stanza] = []
        while true {
            let start = offset
            let text = try line()
            if text.starts(with: Array("--- ".utf8)) {
                guard let mac = StrictBase64.decode(Array(text.dropFirst(4)), padded: false), mac.count == 32 else {
                    throw Problem("the MAC line is not 32 bytes of canonical base64")
                }
                return Header(stanzas: stanzas, end: offset, mac: mac, macInput: Array(file[..<(start + 3)]))
            }
            guard text.starts(with: Array("-> ".utf8)) else {
                throw Problem("a header line is neither a stanza nor the MAC")
            }
            let args = text.dropFirst(3).split(separator: 0x20, omittingEmptySubsequences: false)
            guard !args.isEmpty, args.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x21...0x7E).contains($0) } }) else {
                throw Problem("a stanza has an empty or non-printable argument")
            }
            var body: [UInt8] = []
            while true {
                let chunk = try line()
                guard chunk.count <= 64, let bytes = StrictBase64.decode(Array(chunk), padded: false) else {
                    throw Problem("a stanza body line is not canonical base64 of at most 64 columns")
                }
                body += bytes
                if chunk.count < 64 { break }
            }
            stanzas.append(Stanza(args: args.map { String(decoding: $0, as: UTF8.self) }, body: body))
        }
    }

    public static let begin = "-----BEGIN AGE ENCRYPTED FILE-----"
    public static let end = "-----END AGE ENCRYPTED FILE-----"

    public static func armor(_ file: [UInt8]) -> String {
        let text = Array(StrictBase64.encode(file, padded: true).utf8)
        var lines = [begin]
        var index = 0
        while index < text.count {
            lines.append(String(decoding: text[index..<min(index + 64, text.count)], as: UTF8.self))
            index += 64
        }
        return (lines + [end]).joined(separator: "\n") + "\n"
    }

    public static func isArmored(_ input: [UInt8]) -> Bool {
        input.drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }.starts(with: Array(begin.utf8))
    }

    /// Strict PEM: LF or CRLF lines, 64 columns but the last, no headers, canonical padded base64;
    /// whitespace only around the block.
    public static func dearmor(_ input: [UInt8]) throws(Problem) -> [UInt8] {
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        let trimmed = Array(
            input.drop { whitespace.contains($0) }.reversed().drop { whitespace.contains($0) }.reversed())
        var lines = trimmed.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        guard lines.count >= 2, Array(lines.removeFirst()) == Array(begin.utf8),
            Array(lines.removeLast()) == Array(end.utf8)
        else {
            throw Problem("the armor does not begin and end with the age markers")
        }
        for (index, line) in lines.enumerated() {
            let last = index == lines.count - 1
            guard !line.isEmpty, last ? line.count <= 64 : line.count == 64 else {
                throw Problem("the armor's lines are not 64 columns")
            }
        }
        guard let file = StrictBase64.decode(lines.flatMap { $0 }, padded: true) else {
            throw Problem("the armor is not canonical base64")
        }
        return file
    }

    /// What is wrong with an armored age file that a key is not needed to see; nil when nothing.
    public static func problem(armored text: String) -> String? {
        do {
            let header = try header(try dearmor(Array(text.utf8)))
            guard header.stanzas.contains(where: { $0.args.first == "X25519" }) else {
                return "it has no X25519 recipient stanza, so no host can decrypt it"
            }
            return nil
        } catch {
            return error.message
        }
    }
}
