/// What a lenient JSON reader hides: an object that names a key twice. Swift's JSONDecoder keeps
/// the first value, x402's Python and JavaScript clients the last, so a challenge with
/// `"payTo": A, "payTo": B` would be judged paying A and paid to B.
enum StrictJSON {
    enum Problem: Equatable {
        case duplicateKey(String)
        case tooDeep
        /// Not one JSON object in plain UTF-8: a byte order mark, UTF-16, trailing data, or malformed.
        case unreadable
    }

    static let maxDepth = 32

    /// The first problem in `bytes`; nil only for one JSON object in UTF-8 without a byte order
    /// mark, with no key twice in any object. Anything the scanner cannot read is a problem (it
    /// fails closed: a reader that detects other encodings would read what it skipped).
    static func problem(_ bytes: [UInt8]) -> Problem? {
        guard String(validating: bytes, as: UTF8.self) != nil, !bytes.contains(0) else { return .unreadable }
        var scanner = Scanner(bytes: bytes)
        scanner.skipSpace()
        guard scanner.current == UInt8(ascii: "{") else { return .unreadable }
        if let problem = scanner.value(depth: 0) { return problem }
        scanner.skipSpace()
        return scanner.index == bytes.count ? nil : .unreadable
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func value(depth: Int) -> Problem? {
            skipSpace()
            guard let byte = current else { return .unreadable }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < StrictJSON.maxDepth else { return .tooDeep }
                let object = byte == UInt8(ascii: "{"), close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
                index += 1
                var keys = Set<[UInt8]>()
                var first = true
                while true {
                    skipSpace()
                    guard let next = current else { return .unreadable }
                    if next == close { index += 1; return nil }
                    if !first {
                        guard next == UInt8(ascii: ",") else { return .unreadable }
                        index += 1
                        skipSpace()
                    }
                    first = false
                    if object {
                        guard current == UInt8(ascii: "\"") else { return .unreadable }
                        guard let key = string() else { return .unreadable }
                        if !keys.insert(key).inserted { return .duplicateKey(String(decoding: key, as: UTF8.self)) }
                        skipSpace()
                        guard current == UInt8(ascii: ":") else { return .unreadable }
                        index += 1
                    }
                    let before = index
                    if let problem = value(depth: depth + 1) { return problem }
                    guard index > before else { return .unreadable }
                }
            case UInt8(ascii: "\""):
                return string() == nil ? .unreadable : nil
            default:
                let start = index
                while let next = current,
                    ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0A, 0x0D].contains(next)
                { index += 1 }
                return index > start ? nil : .unreadable
            }
        }

        /// A string's content with its escapes resolved (so `"pay\u0054o"` is `payTo`); the
        /// scanner stands after the closing quote.
        mutating func string() -> [UInt8]? {
            index += 1
            var out: [UInt8] = []
            var pendingHigh: UInt32?
            while let byte = current, byte != UInt8(ascii: "\"") {
                index += 1
                guard byte == UInt8(ascii: "\\"), let escaped = current else { out.append(byte); continue }
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                        let unit = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                    else { return nil }
                    index += 4
                    if (0xD800...0xDBFF).contains(unit) { pendingHigh = unit; continue }
                    var scalarValue = unit
                    if (0xDC00...0xDFFF).contains(unit), let high = pendingHigh {
                        scalarValue = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                    }
                    pendingHigh = nil
                    out += Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(escaped)
                }
            }
            guard current == UInt8(ascii: "\"") else { return nil }
            index += 1
            return out
        }
    }
}
