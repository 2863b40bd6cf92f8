#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimPlan
import PrimSystem

/// The steps of an apply, written before they run; each is marked done as it finishes.
/// An apply that finds a journal knows the previous one was interrupted, and which steps it did not finish.
/// Stored as `<data dir>/journal.jsonl`: a header line, then one line per finished step.
public struct ApplyJournal {
    public struct Header: Codable, Equatable {
        public var generation: Int
        public var revision: String?
        public var started: Date
        public var steps: [String]

        public init(generation: Int, revision: String?, started: Date, steps: [String]) {
            self.generation = generation
            self.revision = revision
            self.started = started
            self.steps = steps
        }
    }

    struct Done: Codable { var done: String }

    let path: String
    let file: AppendFile

    public static func path(dataDir: String) -> String { "\(dataDir)/journal.jsonl" }

    public static func step(_ change: Change) -> String { "\(change.action.rawValue) \(Inventory.key(change.address))" }

    /// Starts a journal for a plan; the header is on disk (fsync) before this returns.
    public static func begin(dataDir: String, header: Header) throws -> ApplyJournal {
        let path = Self.path(dataDir: dataDir)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var line = [UInt8](try encoder.encode(header))
        line.append(0x0A)
        try AtomicFile.write(line, to: path, mode: 0o600)
        return ApplyJournal(path: path, file: try AppendFile(path))
    }

    public func markDone(_ step: String) {
        guard let data = try? JSONEncoder().encode(Done(done: step)) else { return }
        file.append([UInt8](data) + [0x0A])
    }

    /// The apply finished: the journal is no longer needed.
    public func finish() {
        try? AtomicFile.remove(path)
    }

    /// What an interrupted apply left: its header and the steps it did not finish.
    public static func interrupted(dataDir: String) -> (header: Header, unfinished: [String])? {
        guard let bytes = try? FileReader.bytes(path(dataDir: dataDir)) else { return nil }
        let lines = bytes.split(separator: 0x0A)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let first = lines.first, let header = try? decoder.decode(Header.self, from: Data(first)) else { return nil }
        let done = Set(lines.dropFirst().compactMap { try? decoder.decode(Done.self, from: Data($0)).done })
        return (header, header.steps.filter { !done.contains($0) })
    }
}

/// Adjusts a fresh plan so an interrupted apply's unfinished restarts and reloads still happen:
/// a unit file written before the interruption looks converged, but the service still runs the old one.
public enum Resume {
    public static func adjust(_ plan: Plan, unfinished: [String]) -> Plan {
        var plan = plan
        let units = Set(unfinished.compactMap { step -> String? in
            let parts = step.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, ["create", "restart", "start"].contains(String(parts[0])),
                  parts[1].hasPrefix("unit.") else { return nil }
            return String(parts[1].dropFirst(5))
        })
        let reloadCaddy = unfinished.contains { $0.hasSuffix(" caddy_config.caddy") }
        let reason = Reason("resume", "finishing an interrupted apply")
        for index in plan.changes.indices where plan.changes[index].action == .noop {
            let change = plan.changes[index]
            if change.address.kind == .unit, units.contains(change.address.name) {
                plan.changes[index].action = .restart
                plan.changes[index].reason = reason
            } else if change.address.kind == .caddyConfig, reloadCaddy {
                plan.changes[index].action = .reload
                plan.changes[index].reason = reason
            }
        }
        return plan
    }
}
