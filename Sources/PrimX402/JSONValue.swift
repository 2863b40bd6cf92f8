import Foundation

/// Any JSON value, kept as it came: x402 objects carry open-ended parts (`extra`, `extensions`)
/// and a payload is forwarded to the facilitator as received.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

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
