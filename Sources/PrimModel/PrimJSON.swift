#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one JSON configuration of everything prim writes of its own and reads back: its files
/// (primd's status, generations, the inventory, the apply journal, pr.sh's records and ledgers),
/// the CLI's `--format json` and primd's and pr.sh's HTTP bodies. Keys are snake_case, dates ISO
/// 8601, keys sorted, slashes not escaped; `pretty` indents a document people read, `line` writes
/// one record per line (journals, event streams). Reading takes snake_case and also the camelCase
/// keys earlier versions wrote (a key without underscores is read as it is).
///
/// Other parties' formats keep their own keys (`wire`): x402's headers and its facilitator,
/// PowerDNS, domain.sh, GitHub, a chain's JSON-RPC. They are not prim's to spell.
public enum PrimJSON {
    public enum Layout: Sendable {
        case pretty, line
    }

    public static func encoder(_ layout: Layout = .pretty) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            layout == .pretty
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// `value` as JSON bytes, or the encoding error.
    public static func encode<T: Encodable>(_ value: T, _ layout: Layout = .pretty) throws -> [UInt8] {
        Array(try encoder(layout).encode(value))
    }

    /// `value` as JSON text ending in a newline; `{}` when it cannot be encoded (a non-finite number).
    public static func text<T: Encodable>(_ value: T, _ layout: Layout = .pretty) -> String {
        String(decoding: (try? encode(value, layout)) ?? Array("{}".utf8), as: UTF8.self) + "\n"
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder().decode(type, from: Data(bytes))
    }

    /// Other parties' formats: keys as the type declares them, sorted, slashes not escaped.
    public static func wire() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// An optional that is written as `null` when it has no value, rather than leaving its key out:
/// for answers whose contract lists every key (pr.sh's PRs, deployments and errors). Reading takes
/// a missing key, as records written before had it, as no value.
@propertyWrapper
public struct WritesNull<Value: Codable>: Codable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension WritesNull: Sendable where Value: Sendable {}
extension WritesNull: Equatable where Value: Equatable {}

extension KeyedDecodingContainer {
    /// A `WritesNull` property whose key is missing reads as no value (synthesized decoding would
    /// otherwise require the key).
    public func decode<Value>(_ type: WritesNull<Value>.Type, forKey key: Key) throws -> WritesNull<Value> {
        try decodeIfPresent(type, forKey: key) ?? WritesNull(wrappedValue: nil)
    }
}
