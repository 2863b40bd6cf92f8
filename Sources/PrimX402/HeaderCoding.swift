import Foundation
import PrimModel

/// x402's header encoding: standard base64 (padded) of UTF-8 JSON.
public enum HeaderCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static func encode<T: Encodable>(_ value: T) -> String {
        // Encoding these plain structs cannot fail.
        (try? encoder.encode(value))?.base64EncodedString() ?? ""
    }

    public static func decode<T: Decodable>(_ type: T.Type, from header: String) -> T? {
        guard header.utf8.count <= 16 * 1024, let data = Data(base64Encoded: header) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    public static func json<T: Encodable>(_ value: T) -> [UInt8] {
        Array((try? encoder.encode(value)) ?? Data())
    }
}
