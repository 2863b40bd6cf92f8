#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// What primd reports: the revision that serves, the one last tried, and why (as Flux's status).
public struct ControllerStatus: Codable, Sendable, Equatable {
    public struct Condition: Codable, Sendable, Equatable {
        /// `Ready`, `Reconciling` or `Stalled`.
        public var type: String
        public var status: Bool
        public var reason: String
        public var message: String
        public var lastTransition: Date
    }

    public struct PrimHealth: Codable, Sendable, Equatable {
        public var prim: String
        public var up: Bool
        public var message: String
        /// Set when the prim runs an older revision after a failed gate.
        public var rolledBackTo: String?
    }

    /// A prim the last plan could not deploy, and why (which env key has no value, and how to give it one).
    public struct Blocked: Codable, Sendable, Equatable {
        public var prim: String
        public var missingEnv: [String]
        public var message: String
    }

    public var lastAppliedRevision: String?
    public var lastAttemptedRevision: String?
    /// The revision live on the host (applied, possibly with failures); drift is measured against it.
    public var liveRevision: String?
    /// Why the last attempted revision is not the applied one, if it is not.
    public var lastAttemptError: String?
    /// A commit primd died on (crashed or stalled); not attempted again without `--force`.
    public var poisonedRevision: String?
    public var conditions: [Condition] = []
    public var prims: [PrimHealth] = []
    /// The prims the last plan blocked (nil: none, or a status written before primd reported them).
    public var blocked: [Blocked]?
    /// Prims held at an older revision after failing their gate: prim → revision.
    public var rolledBack: [String: String] = [:]
    public var driftEvents: [String: Int] = [:]
    public var lastSuccess: Date?
    /// Fetches of the repository so far, and the branch head the last one saw (whether or not it
    /// was applied): how a watcher knows primd has looked again.
    public var fetches: Int?
    public var lastFetchedRevision: String?
    public var updated = Date()

    public init() {}

    public mutating func set(_ type: String, _ status: Bool, reason: String, message: String) {
        let now = Date()
        if let index = conditions.firstIndex(where: { $0.type == type }) {
            let changed = conditions[index].status != status || conditions[index].reason != reason
            conditions[index] = Condition(type: type, status: status, reason: reason, message: message,
                                          lastTransition: changed ? now : conditions[index].lastTransition)
        } else {
            conditions.append(Condition(type: type, status: status, reason: reason, message: message, lastTransition: now))
        }
        conditions.sort { $0.type < $1.type }
        updated = now
    }

    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    public func json() -> String {
        String(decoding: (try? Self.encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// Reads what `encoder` wrote (primd's files in the data dir).
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    public static func load(_ path: String) -> ControllerStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? decoder.decode(ControllerStatus.self, from: data)
    }
}
