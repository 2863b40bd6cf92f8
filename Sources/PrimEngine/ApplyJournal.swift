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

    public static func step(_ change: Change) -> String { "\(change.action.rawValue) \(change.address.key)" }

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

/// Adjusts a fresh plan so an interrupted apply's unfinished steps still happen: a unit file
/// written before the interruption looks converged, but the service still runs the old one. Each
/// kind says which of its unfinished steps need an action to finish (`KindPlanner.resumeAction`).
public enum Resume {
    public static func adjust(_ plan: Plan, unfinished: [String], kinds: [any KindPlanner]) -> Plan {
        var plan = plan
        var actions: [String: Action] = [:]
        for step in unfinished {
            let parts = step.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let action = Action(rawValue: String(parts[0])) else { continue }
            actions[String(parts[1])] = action
        }
        let byKind = Dictionary(kinds.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        let reason = Reason("resume", "finishing an interrupted apply")
        for index in plan.changes.indices where plan.changes[index].action == .noop {
            let change = plan.changes[index]
            guard let unfinished = actions[change.address.key],
                  let action = byKind[change.address.kind]?.resumeAction(unfinished: unfinished) else { continue }
            plan.changes[index].action = action
            plan.changes[index].reason = reason
        }
        return plan
    }
}
