import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// The steps of an apply, written before they run; each is marked done as it finishes.
/// An apply that finds a journal knows the previous one was interrupted, and which steps it did not finish.
/// Stored as `<data dir>/journal.jsonl`: a header line, then one line per finished step.
public struct ApplyJournal {
    public struct Header: Codable, Equatable {
        public var generation: Int
        public var revision: String?
        public var started: Date
        public var steps: [JournalStep]

        public init(generation: Int, revision: String?, started: Date, steps: [JournalStep]) {
            self.generation = generation
            self.revision = revision
            self.started = started
            self.steps = steps
        }

        enum CodingKeys: String, CodingKey { case generation, revision, started, steps }

        /// A step this version cannot read is passed over, as before steps were typed: the rest of
        /// the journal still resumes.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            generation = try container.decode(Int.self, forKey: .generation)
            revision = try container.decodeIfPresent(String.self, forKey: .revision)
            started = try container.decode(Date.self, forKey: .started)
            steps = try container.decode([String].self, forKey: .steps).compactMap(JournalStep.init(parsing:))
        }
    }

    struct Done: Codable { var done: JournalStep }

    let path: String
    let file: AppendFile

    public static func path(dataDir: String) -> String { HostPaths(dataDir: dataDir).journal }

    /// Starts a journal for a plan; the header is on disk (fsync) before this returns.
    public static func begin(dataDir: String, header: Header) throws -> ApplyJournal {
        let path = Self.path(dataDir: dataDir)
        var line = try PrimJSON.encode(header, .line)
        line.append(0x0A)
        try AtomicFile.write(line, to: path, mode: 0o600)
        return ApplyJournal(path: path, file: try AppendFile(path))
    }

    public func markDone(_ step: JournalStep) {
        guard let line = try? PrimJSON.encode(Done(done: step), .line) else { return }
        file.append(line + [0x0A])
    }

    /// The apply finished: the journal is no longer needed.
    public func finish() {
        try? AtomicFile.remove(path)
    }

    /// What an interrupted apply left: its header and the steps it did not finish.
    public static func interrupted(dataDir: String) -> (header: Header, unfinished: [JournalStep])? {
        guard let bytes = try? FileReader.bytes(path(dataDir: dataDir)) else { return nil }
        let lines = bytes.split(separator: 0x0A)
        guard let first = lines.first, let header = try? PrimJSON.decode(Header.self, from: Array(first)) else {
            return nil
        }
        let done = Set(lines.dropFirst().compactMap { try? PrimJSON.decode(Done.self, from: Array($0)).done })
        return (header, header.steps.filter { !done.contains($0) })
    }
}

/// One step of an apply: a change's action on a resource. Written as `<action> <kind>.<name>`
/// (`restart unit.prim-a@.service`), in the journal and in generation records.
public struct JournalStep: Codable, Hashable, Sendable, CustomStringConvertible {
    public var action: Action
    public var address: ResourceAddress

    public init(_ action: Action, _ address: ResourceAddress) {
        self.action = action
        self.address = address
    }

    public init(_ change: Change) {
        self.init(change.action, change.address)
    }

    /// Reads what `description` wrote; nil for anything else. A kind's name has no `.` (the
    /// address's name may), so the kind ends at the first one.
    public init?(parsing text: String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let action = Action(rawValue: String(parts[0])) else { return nil }
        let key = parts[1].split(separator: ".", maxSplits: 1)
        guard key.count == 2 else { return nil }
        self.init(action, ResourceAddress(ResourceKind(rawValue: String(key[0])), String(key[1])))
    }

    public var description: String { "\(action.rawValue) \(address.key)" }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let step = JournalStep(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not '<action> <kind>.<name>'"))
        }
        self = step
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Adjusts a fresh plan so an interrupted apply's unfinished steps still happen: a unit file
/// written before the interruption looks converged, but the service still runs the old one. Each
/// kind says which of its unfinished steps need an action to finish (`KindPlanner.resumeAction`).
public enum Resume {
    public static func adjust(_ plan: Plan, unfinished: [JournalStep], kinds: [any KindPlanner]) -> Plan {
        var plan = plan
        var actions: [ResourceAddress: Action] = [:]
        for step in unfinished { actions[step.address] = step.action }
        let byKind = Dictionary(kinds.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        let reason = Reason("resume", "finishing an interrupted apply")
        for index in plan.changes.indices where plan.changes[index].action == .noop {
            let change = plan.changes[index]
            guard let unfinished = actions[change.address],
                let action = byKind[change.address.kind]?.resumeAction(unfinished: unfinished)
            else { continue }
            plan.changes[index].action = action
            plan.changes[index].reason = reason
        }
        return plan
    }
}
