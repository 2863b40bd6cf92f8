#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Units: `prim-<id>.service` files and the jobs that start, restart and stop them. Files are
/// written after env files and releases, then one daemon-reload, then every job at once, then
/// the health gates of what was started. A live prim's new version first runs side by side
/// (`SystemdReconciler+Candidates`).
public struct SystemdReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.unit
    public let createOrder = 30
    public let removalOrder = 30

    public static let massDelete = Override(rawValue: "mass-delete")

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        try SystemdObserver(unitDir: host.config.unitDir, bus: host.bus).observe()
    }

    public func compare(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        func change(_ action: Action, _ reason: Reason?, writes: Bool) -> Change {
            Change(address: resource.address, prim: resource.prim, path: resource.path, action: action, reason: reason,
                   before: live?.content, after: resource.content, writesContent: writes)
        }
        guard let live else {
            return change(.create, Reason("new", resource.running ? "not on the host yet" : "not on the host yet; stays stopped (status hold)"), writes: true)
        }
        let running = live.runtime?.isRunning ?? false
        let state = live.runtime.map { "\($0.activeState)" } ?? "unknown"
        let effect = UnitComparison.effect(old: live.content ?? "", new: resource.content)
        let writes = effect != .none
        if !resource.running {
            if running { return change(.stop, Reason("hold", "status is hold; the unit is stopped, route and DNS kept"), writes: writes) }
            return writes ? change(.update, Reason("content-changed", "unit file changed; stays stopped (status hold)"), writes: true)
                          : change(.noop, nil, writes: false)
        }
        if !running {
            return change(.start, Reason("inactive", "unit is \(state)\(writes ? " and its file changed" : "")"), writes: writes)
        }
        switch effect {
        case .none: return change(.noop, nil, writes: false)
        case .restartTriggers:
            return change(.restart, Reason("restart-triggers-changed", "X-Restart-Triggers changed"), writes: true)
        case .restart(let keys):
            return change(.restart, Reason("unit-changed", "\(keys.joined(separator: ", ")) changed"), writes: true)
        case .reenable(let keys):
            return change(.update, Reason("install-changed", "\(keys.joined(separator: ", ")) changed; re-enable only, no restart"), writes: true)
        case .rewriteOnly(let keys):
            return change(.update, Reason("documentation-changed", "only \(keys.joined(separator: ", ")) changed; no restart"), writes: true)
        }
    }

    /// A start or restart an interrupted apply did not finish: the file looks converged, the service still runs the old one.
    public func resumeAction(unfinished: Action) -> Action? {
        [.create, .restart, .start].contains(unfinished) ? .restart : nil
    }

    /// A removed prim's persistent directory is kept, and one that moves (a new `state_dir`, a new
    /// owner) starts empty: the plan says where each is.
    public func notes(_ changes: [Change], _ observed: ObservedState) -> [String] {
        func stateDirectory(_ unit: String?) -> Substring? {
            (unit ?? "").split(separator: "\n").first { $0.hasPrefix("StateDirectory=") }?.dropFirst("StateDirectory=".count)
        }
        return changes.compactMap { change in
            guard let prim = change.prim, let old = stateDirectory(change.before) else { return nil }
            if change.action == .delete {
                return "prim '\(prim)' is removed, and its data in /var/lib/\(old) is kept (systemd keeps a removed unit's StateDirectory); delete /var/lib/private/\(old) when it is no longer needed"
            }
            guard change.action != .noop, let new = stateDirectory(change.after), new != old else { return nil }
            return "prim '\(prim)' moves to an empty state directory /var/lib/\(new); its data stays in /var/lib/\(old) (move it by hand, with the prim stopped, if it should follow)"
        }
    }

    public func refusal(_ plan: Plan, overrides: Set<Override>) -> Refusal? {
        guard !overrides.contains(Self.massDelete), let message = MassDeletion.refusal(plan) else { return nil }
        return Refusal(code: "mass-delete", message)
    }

    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {
        try tryCandidates(changes, apply)
    }

    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        let units = SystemdExecutor(config: apply.host.config, bus: apply.host.bus)
        // Candidates whose route does not move have done their work.
        stop(apply.candidates.keys.filter { !apply.handovers.contains($0) }.sorted(), units, apply)
        let writes = changes.filter(\.writesContent)
        for change in writes {
            try units.write(change.path, content: apply.content(change))
            try apply.owns(change.address, path: change.path)
        }
        // One daemon-reload, then enable.
        if !writes.isEmpty || apply.resuming || apply.flags.contains(Self.candidateFilesRemoved) {
            let clock = Date()
            try units.reload()
            apply.report(.daemonReload(seconds: Date().timeIntervalSince(clock)))
        }
        for change in writes {
            try units.enable(unit: change.address.name, content: apply.content(change))
        }

        // Start, restart and stop, concurrently.
        var jobs: [UnitJob] = []
        for change in changes {
            let running = apply.resource(change)?.running ?? true
            switch change.action {
            case .create where running, .start: jobs.append(UnitJob(unit: change.address.name, verb: .start))
            case .restart: jobs.append(UnitJob(unit: change.address.name, verb: .restart))
            case .stop: jobs.append(UnitJob(unit: change.address.name, verb: .stop))
            default: break
            }
        }
        let clock = Date()
        let outcomes = jobs.isEmpty ? [:] : units.run(jobs, timeout: apply.jobTimeout)
        let jobSeconds = Date().timeIntervalSince(clock)
        var started: [String] = []
        for change in changes {
            let job = jobs.first { $0.unit == change.address.name }
            if let job, let failure = outcomes[job.unit] ?? "the manager gave no result" {
                let lines = units.journal(unit: job.unit, lines: 10)
                apply.report(.step(.init(address: change.address, action: change.action, error: failure, seconds: jobSeconds,
                                         journal: apply.redacted(lines, of: change.prim))))
                // A prim that did not start failed its gate: reported like one that did not answer, and
                // only a live one's fails the apply (and is rolled back); a testing prim's is its own.
                if job.verb != .stop, let gate = apply.gates[job.unit] {
                    apply.gate(GateResult(prim: gate.prim, passed: false, enforced: gate.enforce, message: "\(job.unit) did not start: \(failure)",
                                          seconds: jobSeconds, release: gate.release), journal: lines)
                }
                // A unit that should run and does not fails the apply, a testing prim's too (as a
                // testing prim whose unit stops after its start does): exit 4, never "complete".
                apply.degrade("\(job.unit): \(failure)", of: change.prim)
                continue
            }
            if let job, job.verb != .stop { started.append(job.unit) }
            apply.done(change, seconds: job == nil ? 0 : jobSeconds)
        }

        // Health gates of what was started or restarted.
        let toCheck = started.compactMap { apply.gates[$0] }
        for result in HTTPHealthChecker(bus: apply.host.bus).check(toCheck) {
            var lines: [String] = []
            if !result.passed, let gate = toCheck.first(where: { $0.prim == result.prim }) {
                lines = units.journal(unit: gate.unit, lines: 10)
                let state = units.activeState(unit: gate.unit)
                if result.enforced || state != "active" {
                    apply.degrade("\(gate.unit): \(result.message)\(state != "active" ? " (unit is \(state))" : "")", of: gate.prim)
                }
            }
            apply.gate(result, journal: lines)
        }
    }

    /// Stop, disable and remove, then one daemon-reload.
    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        let units = SystemdExecutor(config: apply.host.config, bus: apply.host.bus)
        let stops = units.run(changes.map { UnitJob(unit: $0.address.name, verb: .stop) }, timeout: apply.jobTimeout)
        for change in changes {
            try apply.step(change) {
                if let failure = stops[change.address.name] ?? nil { throw SystemError("cannot stop: \(failure)") }
                try units.disable(unit: change.address.name)
                try units.remove(change.path)
                try apply.owns(change.address, path: nil)
            }
        }
        let clock = Date()
        try units.reload()
        apply.report(.daemonReload(seconds: Date().timeIntervalSince(clock)))
    }

    public func directories(_ config: HostConfig) -> [String] { [config.unitDir] }
}
