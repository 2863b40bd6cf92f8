import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// One apply in progress, handed to every reconciler: the plan and desired state, what has been
/// done so far (recorded in the journal, the inventory and the generation), and what one kind's
/// stage tells a later one (prims kept at their running version, the hand-overs under way).
public final class ApplyContext {
    public let plan: Plan
    public let desired: DesiredHost
    public let host: HostEnvironment
    public let gates: [String: HealthGate]
    /// A previous apply was interrupted: the manager must re-read unit files whatever changed.
    public let resuming: Bool
    public let overrides: Set<Override>
    public let jobTimeout: Double
    public let report: (ApplyEvent) -> Void
    let dataDir: String
    let journal: ApplyJournal?

    public private(set) var inventory: Inventory
    public internal(set) var errors: [String] = []
    public internal(set) var applied: [Change] = []
    public internal(set) var gateResults: [GateResult] = []
    /// Something failed that did not stop the apply (a unit that did not start, a failed gate).
    public internal(set) var degraded = false
    /// Failures that do not fail the revision (`attempt`).
    public internal(set) var warnings: [String] = []

    /// Prims whose new version failed its gate (or whose route could not move): none of their
    /// changes are made, and the version serving keeps serving (`keep`).
    public private(set) var kept: Set<String> = []
    /// The hand-overs under way, by prim: begun by the units' stage (`begin`), their routes moved
    /// by the routes' stage (`routed`), finished by the units' execution.
    public private(set) var handovers: [String: Handover] = [:]
    /// Run when the apply ends, whether it finished or stopped.
    var finally: [() -> Void] = []

    init(
        plan: Plan, desired: DesiredHost, host: HostEnvironment, gates: [String: HealthGate], resuming: Bool,
        overrides: Set<Override>, jobTimeout: Double, dataDir: String, inventory: Inventory, journal: ApplyJournal?,
        report: @escaping (ApplyEvent) -> Void
    ) {
        self.plan = plan
        self.desired = desired
        self.host = host
        self.gates = gates
        self.resuming = resuming
        self.overrides = overrides
        self.jobTimeout = jobTimeout
        self.dataDir = dataDir
        self.inventory = inventory
        self.journal = journal
        self.report = report
    }

    /// The desired resource a change writes.
    public func resource(_ change: Change) -> DesiredResource? { resource(change.address) }

    /// The desired resource at an address.
    public func resource(_ address: ResourceAddress) -> DesiredResource? { byAddress[address] }

    private lazy var byAddress = Dictionary(
        desired.resources.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })

    /// The full content a change writes (a sensitive change's plan does not carry it).
    public func content(_ change: Change) -> String { resource(change)?.content ?? change.after ?? "" }

    /// Runs one change: reported, journalled and counted when it succeeds; a failure stops the apply.
    public func step(_ change: Change, _ body: () throws -> Void) throws {
        if let error = run(change, body) {
            errors.append("\(change.address.name): \(error)")
            throw error
        }
    }

    /// Runs one change whose failure neither stops the apply nor fails the revision (a certificate
    /// the CA would not give: the current one keeps serving): reported as failed, kept as a
    /// warning of the generation, and false is returned.
    @discardableResult
    public func attempt(_ change: Change, _ body: () throws -> Void) -> Bool {
        guard let error = run(change, body) else { return true }
        warnings.append("\(change.address.name): \(error)")
        return false
    }

    /// Runs `body` for `change`: done when it returns, reported as failed when it throws (the error).
    private func run(_ change: Change, _ body: () throws -> Void) -> Error? {
        let clock = Date()
        do {
            try body()
        } catch {
            reportFailure(change, error, since: clock)
            return error
        }
        done(change, seconds: Date().timeIntervalSince(clock))
        return nil
    }

    /// Reports that `change` failed with `error`, after the time since `clock`.
    func reportFailure(_ change: Change, _ error: Error, since clock: Date) {
        let step = ApplyEvent.Step(
            address: change.address, action: change.action, error: "\(error)",
            seconds: Date().timeIntervalSince(clock), journal: [])
        report(.step(step))
    }

    /// Runs changes carried out together (one batched call): all done, or all failed and the apply stops.
    public func batch(_ changes: [Change], _ body: () throws -> Void) throws {
        guard let first = changes.first else { return }
        let clock = Date()
        do {
            try body()
        } catch {
            let more = changes.count > 1 ? " (and \(changes.count - 1) more changed with it)" : ""
            errors.append("\(first.address.name)\(more): \(error)")
            for change in changes { reportFailure(change, error, since: clock) }
            throw error
        }
        let seconds = Date().timeIntervalSince(clock)
        for change in changes { done(change, seconds: seconds) }
    }

    /// Records a change carried out outside `step` (a unit job that ran with others).
    public func done(_ change: Change, seconds: Double) {
        journal?.markDone(JournalStep(change))
        applied.append(change)
        report(.step(.init(address: change.address, action: change.action, error: nil, seconds: seconds, journal: [])))
    }

    /// Reports that one resource's check failed (its change, or a resource it waits on), naming
    /// only that resource; the caller then throws, and the apply stops.
    public func failed(_ address: ResourceAddress, action: Action, _ error: Error) {
        errors.append("\(address.name): \(error)")
        report(.step(.init(address: address, action: action, error: "\(error)", seconds: 0, journal: [])))
    }

    /// Records a failure that does not stop the apply (the host ends degraded). A prim's failure is
    /// said without its env values (what a prim answers or logs may echo them).
    public func degrade(_ message: String, of prim: String? = nil) {
        degraded = true
        errors.append(redacted([message], of: prim).first ?? message)
    }

    /// Records a gate's result and reports it with the unit's last journal lines.
    public func gate(_ result: GateResult, journal lines: [String]) {
        var result = desired.renderings[result.prim]?.redacting(result) ?? result
        let lines = redacted(lines, of: result.prim)
        if !result.passed && !lines.isEmpty { result.journal = lines }
        gateResults.append(result)
        report(.gate(result, journal: lines))
    }

    /// A prim's journal lines without the values of its env (see `PrimRendering.redacting`).
    public func redacted(_ lines: [String], of prim: String?) -> [String] {
        prim.flatMap { desired.renderings[$0] }?.redacting(lines) ?? lines
    }

    /// Notes in the inventory that prim made (or removed) this resource; saved at once.
    public func owns(_ address: ResourceAddress, path: String?) throws {
        if let path { inventory.add(address, path: path) } else { inventory.remove(address) }
        try inventory.save(dataDir: dataDir)
    }

    /// Writes each change's file (its content, or what `rendered` makes of it), each a step noted in the inventory.
    public func write(
        _ changes: [Change], with files: FileExecutor, rendered: (Change, String) -> String = { $1 }
    ) throws {
        for change in changes {
            try step(change) {
                try files.write(change.path, content: rendered(change, content(change)))
                try owns(change.address, path: change.path)
            }
        }
    }

    /// Removes each change's file, each a step dropped from the inventory.
    public func remove(_ changes: [Change], with files: FileExecutor) throws {
        for change in changes {
            try step(change) {
                try files.remove(change.path)
                try owns(change.address, path: nil)
            }
        }
    }

    /// A prim's new version is running and gated (or already serves): its hand-over is under way.
    public func begin(_ handover: Handover) { handovers[handover.prim] = handover }

    /// The hand-overs whose route must move to their new version, by prim.
    public var moving: [Handover] {
        handovers.values.filter { $0.movesRoute && !kept.contains($0.prim) }.sorted { $0.prim < $1.prim }
    }

    /// Caddy now sends these prims' traffic to their new version.
    public func routed(_ prims: [String]) {
        for prim in prims { handovers[prim]?.routed = true }
    }

    /// None of the prim's changes are made: the version serving keeps serving.
    public func keep(_ prim: String) { kept.insert(prim) }

    /// The prim's new version did not stay up after its route moved: it is kept at the version it
    /// was to replace, and its route goes back there (`reverted`).
    public func revert(_ prim: String) {
        handovers[prim]?.reverted = true
        kept.insert(prim)
    }

    /// The hand-overs whose version did not stay up (`revert`): a route that moved to it goes back.
    public var reverted: [Handover] {
        handovers.values.filter(\.reverted).sorted { $0.prim < $1.prim }
    }

    /// The hand-overs whose version passed its gate and whose settle is not over, by prim.
    public var settling: [Handover] {
        handovers.values.filter { $0.settling != nil }.sorted { $0.prim < $1.prim }
    }

    /// The settle of a prim's new version is over (it stayed up, or it was reverted).
    public func settled(_ prim: String) { handovers[prim]?.settling = nil }

    public func atEnd(_ body: @escaping () -> Void) { finally.append(body) }

    func end() {
        for body in finally.reversed() { body() }
        finally = []
    }
}
