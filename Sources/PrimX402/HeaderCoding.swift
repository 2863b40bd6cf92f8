import Foundation
import PrimModel

/// x402's header encoding: standard base64 (padded) of UTF-8 JSON.
public enum HeaderCoding {
    /// x402's own keys (camelCase), as its specification spells them.
    static let encoder = PrimJSON.wire()

    public static func encode<T: Encodable>(_ value: T) -> String {
        // Encoding these plain structs cannot fail.
        (try? encoder.encode(value))?.base64EncodedString() ?? ""
    }

    /// The header's value, or nil when it is not base64 of JSON of `type`, or when that JSON names
    /// a key twice in one object or nests deeper than any x402 message (readers disagree on such).
    public static func decode<T: Decodable>(_ type: T.Type, from header: String) -> T? {
        guard header.utf8.count <= 16 * 1024, let data = Data(base64Encoded: header) else { return nil }
        guard let value = try? JSONDecoder().decode(type, from: data) else { return nil }
        return StrictJSON.problem(Array(data)) == nil ? value : nil
    }

    /// Why `header` is base64 of JSON that readers may read differently (a key named twice), if it is.
    public static func ambiguity(_ header: String) -> String? {
        guard let data = Data(base64Encoded: header) else { return nil }
        switch StrictJSON.problem(Array(data)) {
        case .duplicateKey(let key):
            return
                "names the key '\(key)' twice in one object (this gate would read the first, x402's clients read the last)"
        case .tooDeep: return "nests objects deeper than \(StrictJSON.maxDepth) levels"
        case .unreadable:
            return
                "is not base64 of one JSON object in plain UTF-8 (no byte order mark, no UTF-16, nothing after it), as x402's clients read it"
        case nil: return nil
        }
    }

    public static func json<T: Encodable>(_ value: T) -> [UInt8] {
        Array((try? encoder.encode(value)) ?? Data())
    }
}
