#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimPlan
import PrimSystem

/// Carries out a plan in phases that keep live prims serving:
/// releases → side-by-side candidates of live prims about to restart → env files → unit files →
/// daemon-reload → start/restart (concurrently) → health gates → Caddy (checked before anything is
/// written, loaded once) → removals in reverse.
public struct Applier {
    public let executors: HostExecutors
    public let dataDir: String
    public var jobTimeout: Double = 90

    public init(executors: HostExecutors, dataDir: String) {
        self.executors = executors
        self.dataDir = dataDir
    }

    struct Run {
        var inventory: Inventory
        var errors: [String] = []
        var applied: [Change] = []
        var gates: [GateResult] = []
        var degraded = false
    }

    /// Applies `plan`. The caller holds the lock. Throws when the apply had to stop (nothing more was done);
    /// the journal then stays, and the next apply resumes.
    /// A plan that removes most of the host's prims is refused (nothing done) unless `allowMassDelete`.
    public func apply(_ plan: Plan, desired: DesiredHost, gates: [String: HealthGate], revision: String?,
                      origin: Generation.Origin? = nil, resuming: Bool = false, allowMassDelete: Bool = false,
                      report: (ApplyEvent) -> Void) throws -> Generation {
        if !allowMassDelete, let refusal = MassDeletion.refusal(plan) { throw SystemError(refusal) }
        let started = Date()
        let store = GenerationStore(dataDir: dataDir)
        let number = store.nextNumber()
        let pending = plan.pending
        let contents = Dictionary(desired.resources.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        var run = Run(inventory: try Inventory.load(dataDir: dataDir))

        // Caddy's whole config is checked before anything is written.
        let loadsCaddy = pending.contains { $0.address.kind == .caddyConfig }
        var composed: String?
        if loadsCaddy {
            let fragments = desired.resources.filter { $0.address.kind == .caddyFragment }.map(\.content)
            composed = executors.routes.compose(fragments: fragments)
            try executors.routes.check(composed!)
        }

        let journal = try ApplyJournal.begin(dataDir: dataDir, header: .init(
            generation: number, revision: revision, started: started, steps: pending.map(ApplyJournal.step)))
        do {
            try phases(pending, contents: contents, fragments: desired.resources.filter { $0.address.kind == .caddyFragment },
                       composed: composed, gates: gates, resuming: resuming, journal: journal, run: &run, report: report)
        } catch {
            // Stopped part-way: the journal stays so the next apply finishes the work.
            try? store.save(record(number, revision, origin, started, .failed, run))
            throw error
        }
        journal.finish()
        let generation = record(number, revision, origin, started, run.degraded ? .degraded : .converged, run)
        try store.save(generation)
        return generation
    }

    func record(_ number: Int, _ revision: String?, _ origin: Generation.Origin?, _ started: Date,
                _ outcome: Generation.Outcome, _ run: Run) -> Generation {
        Generation(
            number: number, revision: revision, origin: origin, started: started, finished: Date(), outcome: outcome,
            added: run.applied.filter { $0.action.tally == .add }.count,
            changed: run.applied.filter { $0.action.tally == .change }.count,
            destroyed: run.applied.filter { $0.action.tally == .destroy }.count,
            changes: run.applied.map(ApplyJournal.step), gates: run.gates, errors: run.errors)
    }

    func phases(_ pending: [Change], contents: [ResourceAddress: DesiredResource], fragments: [DesiredResource], composed: String?,
                gates: [String: HealthGate], resuming: Bool, journal: ApplyJournal, run: inout Run, report: (ApplyEvent) -> Void) throws {

        func step(_ change: Change, _ body: () throws -> Void) throws {
            let clock = Date()
            do {
                try body()
            } catch {
                run.errors.append("\(change.address.name): \(error)")
                report(.step(.init(address: change.address, action: change.action, error: "\(error)",
                                   seconds: Date().timeIntervalSince(clock), journal: [])))
                throw error
            }
            journal.markDone(ApplyJournal.step(change))
            run.applied.append(change)
            report(.step(.init(address: change.address, action: change.action, error: nil, seconds: Date().timeIntervalSince(clock), journal: [])))
        }

        func content(_ change: Change) -> String { contents[change.address]?.content ?? change.after ?? "" }

        // 2. releases (new content-addressed directories; running units keep theirs). (1. is Caddy's check, in `apply`.)
        for change in pending where change.action != .delete && change.address.kind == .release {
            try step(change) {
                try executors.releases.write(change.path, content: content(change))
                run.inventory.add(change.address, path: change.path)
                try run.inventory.save(dataDir: dataDir)
            }
        }

        // 3. live prims about to restart run side by side first; one that fails keeps its running version.
        // A route moves only when this apply loads Caddy's config (step 8 ends the handover).
        let movingRoutes = composed == nil ? [] : Set(pending.filter { $0.address.kind == .caddyFragment && $0.action == .update }.compactMap(\.prim))
        let candidates = try tryCandidates(pending.filter { $0.action != .delete }, contents: contents, gates: gates,
                                           movingRoutes: movingRoutes, run: &run, report: report)
        let kept = candidates.kept
        var handovers = candidates.handovers
        if !handovers.isEmpty {
            // A prim whose route moves is served by its candidate while it restarts.
            do {
                try executors.routes.load(handoverRoutes(pending, fragments: fragments, handovers: handovers))
            } catch {
                stop(handovers)
                handovers = []
            }
        }
        defer {
            // The new routes are loaded (or the apply stopped): the candidates that served meanwhile
            // stop, once the requests Caddy sent them under the old routes are done.
            drain(handovers)
            stop(handovers)
        }
        func isKept(_ change: Change) -> Bool { change.prim.map(kept.contains) ?? false }
        let updates = pending.filter { $0.action != .delete && $0.address.kind != .release && !isKept($0) }
        let removals = pending.filter { $0.action == .delete && !isKept($0) }
        var composed = composed
        if composed != nil, pending.contains(where: { $0.address.kind == .caddyFragment && isKept($0) }) {
            // The routes of kept prims stay as they are live.
            let before = Dictionary(pending.filter { $0.address.kind == .caddyFragment }.map { ($0.address, $0.before) }, uniquingKeysWith: { a, _ in a })
            let texts = fragments.compactMap { fragment -> String? in
                guard let prim = fragment.prim, kept.contains(prim), let old = before[fragment.address] else { return fragment.content }
                return old
            }
            composed = executors.routes.compose(fragments: texts)
        }

        // 4. env files, then unit files.
        for change in updates where change.address.kind == .envFile {
            try step(change) {
                try executors.env.write(change.path, content: content(change))
                run.inventory.add(change.address, path: change.path)
                try run.inventory.save(dataDir: dataDir)
            }
        }
        let unitWrites = updates.filter { $0.address.kind == .unit && $0.writesContent }
        for change in unitWrites {
            try executors.units.write(change.path, content: content(change))
            run.inventory.add(change.address, path: change.path)
            try run.inventory.save(dataDir: dataDir)
        }

        // 5. one daemon-reload, then enable.
        if !unitWrites.isEmpty || resuming || candidates.removedUnits {
            let clock = Date()
            try executors.units.reload()
            report(.daemonReload(seconds: Date().timeIntervalSince(clock)))
        }
        for change in unitWrites {
            try executors.units.enable(unit: change.address.name, content: content(change))
        }

        // 6. start, restart and stop, concurrently.
        let unitChanges = updates.filter { $0.address.kind == .unit }
        var jobs: [UnitJob] = []
        for change in unitChanges {
            let running = contents[change.address]?.running ?? true
            switch change.action {
            case .create where running, .start: jobs.append(UnitJob(unit: change.address.name, verb: .start))
            case .restart: jobs.append(UnitJob(unit: change.address.name, verb: .restart))
            case .stop: jobs.append(UnitJob(unit: change.address.name, verb: .stop))
            default: break
            }
        }
        let clock = Date()
        let outcomes = jobs.isEmpty ? [:] : executors.units.run(jobs, timeout: jobTimeout)
        let jobSeconds = Date().timeIntervalSince(clock)
        var startedUnits: [String] = []
        for change in unitChanges {
            let job = jobs.first { $0.unit == change.address.name }
            if let job, let failure = outcomes[job.unit] ?? "the manager gave no result" {
                run.degraded = true
                run.errors.append("\(job.unit): \(failure)")
                report(.step(.init(address: change.address, action: change.action, error: failure, seconds: jobSeconds,
                                   journal: executors.units.journal(unit: job.unit, lines: 10))))
                continue
            }
            if let job, job.verb != .stop { startedUnits.append(job.unit) }
            journal.markDone(ApplyJournal.step(change))
            run.applied.append(change)
            report(.step(.init(address: change.address, action: change.action, error: nil,
                               seconds: job == nil ? 0 : jobSeconds, journal: [])))
        }

        // 7. health gates of what was started or restarted.
        let toCheck = startedUnits.compactMap { gates[$0] }
        for result in executors.health.check(toCheck) {
            run.gates.append(result)
            var lines: [String] = []
            if !result.passed, let gate = toCheck.first(where: { $0.prim == result.prim }) {
                lines = executors.units.journal(unit: gate.unit, lines: 10)
                let state = executors.units.activeState(unit: gate.unit)
                if result.enforced || state != "active" {
                    run.degraded = true
                    run.errors.append("\(gate.unit): \(result.message)\(state != "active" ? " (unit is \(state))" : "")")
                }
            }
            report(.gate(result, journal: lines))
        }

        // 8. routes: fragments, then one load of the checked config.
        for change in pending where change.address.kind == .caddyFragment && !isKept(change) {
            try step(change) {
                if change.action == .delete {
                    try executors.routes.remove(change.path)
                    run.inventory.remove(change.address)
                } else {
                    try executors.routes.write(change.path, content: content(change))
                    run.inventory.add(change.address, path: change.path)
                }
                try run.inventory.save(dataDir: dataDir)
            }
        }
        if let composed, let change = pending.first(where: { $0.address.kind == .caddyConfig }) {
            try step(change) { try executors.routes.load(composed) }
        }

        // 9. removals: stop, remove unit files, reload, remove env files.
        let removedUnits = removals.filter { $0.address.kind == .unit }
        if !removedUnits.isEmpty {
            let stops = executors.units.run(removedUnits.map { UnitJob(unit: $0.address.name, verb: .stop) }, timeout: jobTimeout)
            for change in removedUnits {
                try step(change) {
                    if let failure = stops[change.address.name] ?? nil { throw SystemError("cannot stop: \(failure)") }
                    try executors.units.disable(unit: change.address.name)
                    try executors.units.remove(change.path)
                    run.inventory.remove(change.address)
                    try run.inventory.save(dataDir: dataDir)
                }
            }
            let clock = Date()
            try executors.units.reload()
            report(.daemonReload(seconds: Date().timeIntervalSince(clock)))
        }
        for change in removals where change.address.kind == .release || change.address.kind == .envFile {
            try step(change) {
                try (change.address.kind == .release ? executors.releases : executors.env).remove(change.path)
                run.inventory.remove(change.address)
                try run.inventory.save(dataDir: dataDir)
            }
        }

    }
}
