import PrimEngine
import PrimModel
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// What primd is doing with a commit, kept on disk for exactly as long as it does it. Found when
/// primd starts, it says the previous primd died in the middle: it crashed, or stalled until its
/// watchdog killed it. A commit it died on before it was applied, while loading or twice while
/// applying, is a poison commit and is not attempted again on its own; one it had applied is not.
public struct AttemptRecord: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        /// Reading, validating and planning the commit: pure work, so a death here is the commit's doing.
        case loading
        /// Applying it: a death here may be a kill; the journal resumes it, once.
        case applying
        /// Applied: every resource written and every gate run (the generation is recorded). A death
        /// from here on (re-checks, a rollback) is no reason to distrust the commit: the host holds it.
        case applied
    }

    public var revision: String
    public var phase: Phase
    public var started: Date
    /// Attempts of this revision that died while applying, before this one.
    public var deaths: Int
    /// Once `applied`: how the apply ended.
    public var outcome: Generation.Outcome?

    public init(revision: String, phase: Phase, started: Date, deaths: Int = 0, outcome: Generation.Outcome? = nil) {
        self.revision = revision
        self.phase = phase
        self.started = started
        self.deaths = deaths
        self.outcome = outcome
    }

    /// How many deaths while applying make a commit poison (the first is resumed from the journal).
    public static let applyDeathsAllowed = 1

    public static func path(dataDir: String) -> String { HostPaths(dataDir: dataDir).attempt }

    public static func load(dataDir: String) -> AttemptRecord? {
        guard let bytes = (try? FileReader.bytes(path(dataDir: dataDir))) ?? nil else { return nil }
        return try? PrimJSON.decode(AttemptRecord.self, from: bytes)
    }

    /// Written with status.json's encoding, atomically.
    public func save(dataDir: String) throws {
        try AtomicFile.write(
            try PrimJSON.encode(self), to: Self.path(dataDir: dataDir), mode: 0o644)
    }

    public static func clear(dataDir: String) {
        try? AtomicFile.remove(path(dataDir: dataDir))
    }

    /// Why this leftover record makes its commit poison, or nil when the attempt may be resumed.
    /// `live` is the revision the host runs: re-planning it (a blocked prim retried, `--force`) is
    /// not the commit's first reading, so a death there is resumed once, as one while applying.
    public func poison(live: String?) -> String? {
        switch phase {
        case .loading where revision == live:
            return deaths >= Self.applyDeathsAllowed
                ? "primd stopped \(deaths + 1) times while planning revision \(revision.prefix(12)) again: it crashed or stalled on this commit"
                : nil
        case .loading:
            return
                "primd stopped while loading and planning revision \(revision.prefix(12)) (started \(started)): it crashed or stalled on this commit"
        case .applying where deaths >= Self.applyDeathsAllowed:
            return
                "primd stopped \(deaths + 1) times while applying revision \(revision.prefix(12)): it crashed or stalled on this commit"
        case .applying, .applied:
            return nil
        }
    }
}
