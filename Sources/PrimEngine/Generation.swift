import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// The record of one apply: what was planned, what happened, when.
public struct Generation: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Everything applied and every gate passed.
        case converged
        /// Applied, but a unit or an enforced gate failed.
        case degraded
        /// Stopped by an error before finishing.
        case failed
    }

    public var number: Int
    /// The commit applied (nil for a directory).
    public var revision: String?
    /// Why the apply ran, besides its revision (`rollback of a, b`).
    public var note: String?
    /// Where the revision's state was read: the repository and the state folder in it.
    public var origin: Origin?

    public struct Origin: Codable, Sendable, Equatable {
        public var repository: String
        public var statePath: String

        public init(repository: String, statePath: String) {
            self.repository = repository
            self.statePath = statePath
        }
    }
    public var started: Date
    public var finished: Date
    public var outcome: Outcome
    public var added: Int
    public var changed: Int
    public var destroyed: Int
    /// `action kind.name` of every change applied.
    public var changes: [String]
    public var gates: [GateResult]
    public var errors: [String]
    /// What was applied, for people: the commit's subject, or `directory <path>`.
    public var subject: String?
    /// The archived state a directory apply kept (`StateArchive`), to apply it again.
    public var archive: String?
    /// The generation this apply rolled back to, when it was a rollback.
    public var rollbackOf: Int?
    /// Prims whose unit this apply created, started or restarted: from it on they run its version.
    public var deployed: [String]?
    /// Prims whose new version failed its gate side by side: their running version was kept.
    public var kept: [String]?
    /// What failed without failing the revision (a certificate the CA would not give: the current
    /// one keeps serving, the next try waits): the apply converged, and primctl still exits 4.
    public var warnings: [String]?

    /// What an apply records of where its state came from, besides the revision.
    public struct Provenance: Sendable, Equatable {
        public var subject: String?
        public var archive: String?
        public var rollbackOf: Int?
        public var note: String?

        public init(subject: String? = nil, archive: String? = nil, rollbackOf: Int? = nil, note: String? = nil) {
            self.subject = subject
            self.archive = archive
            self.rollbackOf = rollbackOf
            self.note = note
        }
    }

    /// Whether this generation can be applied again: a commit, or an archived directory state.
    public var canBeReapplied: Bool { revision != nil || archive != nil }
}

/// Generation records in `<data dir>/generations/<number>.json`.
public struct GenerationStore {
    public let directory: String

    public init(dataDir: String) {
        directory = HostPaths(dataDir: dataDir).generations
    }

    public func all() -> [Generation] {
        FileReader.names(in: directory, suffix: ".json").compactMap { name in
            guard let bytes = try? FileReader.bytes("\(directory)/\(name)") else { return nil }
            return try? PrimJSON.decode(Generation.self, from: bytes)
        }.sorted { $0.number < $1.number }
    }

    public func nextNumber() -> Int {
        (FileReader.names(in: directory, suffix: ".json").compactMap { Int($0.dropLast(5)) }.max() ?? 0) + 1
    }

    public func save(_ generation: Generation) throws {
        let name = String(generation.number).leftPadded(to: 6) + ".json"
        try AtomicFile.write(try PrimJSON.encode(generation), to: "\(directory)/\(name)", mode: 0o600)
    }
}
