import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Carries out a plan through the registered reconcilers, in the stages of `Reconciler`:
/// guards, checks (before anything is written), stages in create order, settles, executions in
/// create order, removals in removal order. A prim a stage keeps at its running version (`kept`) has
/// none of its changes carried out.
public struct Applier {
    public let kinds: [any Reconciler]
    public let host: HostEnvironment
    public var jobTimeout: Double = 90

    public init(kinds: [any Reconciler], host: HostEnvironment) {
        self.kinds = kinds
        self.host = host
    }

    var dataDir: String { host.config.dataDir }

    /// The first guard the plan trips, if any.
    public func refusal(_ plan: Plan, overrides: Set<Override>) -> Refusal? {
        kinds.lazy.compactMap { $0.refusal(plan, overrides: overrides) }.first
    }

    /// Applies `plan`. The caller holds the lock. Throws when the apply had to stop (nothing more was done);
    /// the journal then stays, and the next apply resumes. A plan a guard refuses throws its `Refusal`, with nothing done.
    public func apply(
        _ plan: Plan, desired: DesiredHost, gates: [String: HealthGate], revision: String?,
        origin: Generation.Origin? = nil, provenance: Generation.Provenance = .init(), resuming: Bool = false,
        overrides: Set<Override> = [], report: (ApplyEvent) -> Void
    ) throws -> Generation {
        if let refusal = refusal(plan, overrides: overrides) { throw refusal }
        let started = Date()
        let store = GenerationStore(dataDir: dataDir)
        let number = store.nextNumber()
        let pending = plan.pending
        let inventory = try Inventory.load(dataDir: dataDir)
        let creates = kinds.sorted { $0.createOrder < $1.createOrder }
        let removals = kinds.sorted { $0.removalOrder < $1.removalOrder }

        return try withoutActuallyEscaping(report) { report in
            // Everything is checked before anything is written.
            let checking = ApplyContext(
                plan: plan, desired: desired, host: host, gates: gates, resuming: resuming, overrides: overrides,
                jobTimeout: jobTimeout, dataDir: dataDir, inventory: inventory, journal: nil, report: report)
            for kind in creates { try kind.check(checking) }

            let journal = try ApplyJournal.begin(
                dataDir: dataDir,
                header: .init(
                    generation: number, revision: revision, started: started, steps: pending.map(JournalStep.init)))
            let apply = ApplyContext(
                plan: plan, desired: desired, host: host, gates: gates, resuming: resuming, overrides: overrides,
                jobTimeout: jobTimeout, dataDir: dataDir, inventory: inventory, journal: journal, report: report)
            func of(_ kind: any Reconciler, _ include: (Change) -> Bool) -> [Change] {
                pending.filter {
                    $0.address.kind == kind.kind && include($0) && !apply.kept.contains($0.prim ?? "\u{0}")
                }
            }
            do {
                defer { apply.end() }
                for kind in creates { try kind.stage(of(kind) { $0.action != .delete }, apply) }
                for kind in creates { try kind.settle(apply) }
                for kind in creates {
                    try kind.execute(
                        of(kind) { !$0.late && ($0.action != .delete || kind.removesEarly($0, in: plan)) }, apply)
                }
                for kind in removals {
                    try kind.remove(
                        of(kind) { $0.late || ($0.action == .delete && !kind.removesEarly($0, in: plan)) }, apply)
                }
            } catch {
                // Stopped part-way: the journal stays so the next apply finishes the work.
                try? store.save(record(number, revision, origin, provenance, started, .failed, apply))
                throw error
            }
            journal.finish()
            let generation = record(
                number, revision, origin, provenance, started, apply.degraded ? .degraded : .converged, apply)
            try store.save(generation)
            return generation
        }
    }

    func record(
        _ number: Int, _ revision: String?, _ origin: Generation.Origin?, _ provenance: Generation.Provenance,
        _ started: Date,
        _ outcome: Generation.Outcome, _ apply: ApplyContext
    ) -> Generation {
        var generation = Generation(
            number: number, revision: revision, origin: origin, started: started, finished: Date(), outcome: outcome,
            added: apply.applied.filter { $0.action.tally == .add }.count,
            changed: apply.applied.filter { $0.action.tally == .change }.count,
            destroyed: apply.applied.filter { $0.action.tally == .destroy }.count,
            changes: apply.applied.map { JournalStep($0).description }, gates: apply.gateResults, errors: apply.errors)
        generation.subject = provenance.subject
        generation.archive = provenance.archive
        generation.rollbackOf = provenance.rollbackOf
        generation.note = provenance.note
        let started = apply.applied.filter {
            $0.address.kind == .unit && [.create, .start, .restart].contains($0.action)
        }.compactMap(\.prim)
        generation.deployed = Set(started).subtracting(apply.kept).sorted()
        generation.kept = apply.kept.sorted()
        generation.warnings = apply.warnings.isEmpty ? nil : apply.warnings
        return generation
    }
}
