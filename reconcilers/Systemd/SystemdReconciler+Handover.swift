import PrimEngine
import PrimGates
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// The first half of a hand-over, at the stage: each running prim's new version starts as an
/// instance of its template beside the version that serves (on the port that one does not hold),
/// and must pass the prim's gate there. A version that passes is a `Handover` for the route's
/// stage; one that fails is stopped, and the prim is kept — none of its changes are made, and the
/// version that served never stopped serving.
extension SystemdReconciler {
    struct Start {
        var change: Change
        var handover: Handover
        var gate: HealthGate?
        /// Already running (an interrupted apply started it): gated, not started again.
        var adopted: Bool
        /// An interrupted hand-over's version, which the route file already names first: if it
        /// fails, its route goes back before it stops.
        var interrupted = false
    }

    func startVersions(_ changes: [Change], _ apply: ApplyContext) throws {
        let config = apply.host.config
        let units = SystemdExecutor(config: config, manager: apply.host.units)
        let observer = SystemdObserver(config: config, manager: apply.host.units)
        // Templates first, then one daemon-reload: the only one a hand-over may need.
        let writes = changes.filter { $0.writesContent && $0.action != .delete }
        for change in writes {
            try units.write(change.path, content: apply.content(change))
            try apply.owns(change.address, path: change.path)
        }
        if !writes.isEmpty || apply.resuming { try reload(units, apply) }

        let moving = changes.filter { change in
            ResourceNames.isTemplate(change.address.name)
                && [.create, .start, .restart, .update].contains(change.action)
                && (apply.resource(change)?.running ?? false)
        }
        let legacy = try apply.host.units.states(
            units: moving.compactMap(\.prim).map { ResourceNames.legacyUnit($0).name })
        // Every prim's versions in one round trip to the manager, not one per prim.
        let all = moving.isEmpty ? [:] : try observer.allVersions()
        var starts: [Start] = []
        for change in moving {
            guard let prim = change.prim, let rendering = apply.desired.renderings[prim],
                let version = apply.resource(change)?.attributes["version"]
            else { continue }
            let versions = observer.versions(of: prim, among: all)
            let instance = ResourceNames.instance(prim, version: version)
            let old = ResourceNames.legacyUnit(prim).name
            let oldRuns = legacy[old]?.isRunning ?? false
            let serving = versions.serving
            let others = versions.running.filter { $0.unit != instance }
            let route = apply.resource(ResourceNames.fragment(prim)) != nil && !versions.routedPorts.isEmpty
            if let serving, serving.unit == instance && !oldRuns {
                // It serves already (its route file names it first, or Caddy falls back to it): the
                // file is made to name it first, and what else runs stops.
                var handover = Handover(
                    prim: prim, unit: instance, port: serving.port, replaces: others.map(\.unit),
                    replacedPorts: others.compactMap(\.port),
                    movesRoute: route && serving.port != nil && versions.routedPort != serving.port)
                guard !others.isEmpty, route, serving.port != nil else {
                    apply.begin(handover)
                    continue
                }
                // An interrupted hand-over: the route moved (as its file says; Caddy may have been
                // sent back since), but the settle was never seen through and the old version still
                // runs. The new one is gated again, its route loaded again, and it settles with the
                // traffic before the old one stops; if it fails, the route goes back to the old one
                // (the route's second port).
                handover.movesRoute = true
                handover.routedFrom = versions.routedPorts.dropFirst().first ?? others.first?.port
                var gate = apply.gates[change.address.name]
                gate?.unit = instance
                if let port = serving.port { gate?.port = port }
                starts.append(Start(change: change, handover: handover, gate: gate, adopted: true, interrupted: true))
                continue
            }
            // Versions that neither serve nor are this one stop first: they may hold the port it needs.
            let strays = others.filter { $0.unit != serving?.unit }
            if !strays.isEmpty {
                _ = units.run(strays.map { UnitJob(unit: $0.unit, verb: .stop) }, timeout: apply.jobTimeout)
                for stray in strays { try? units.forget(instance: stray.unit) }
            }
            let existing = versions.running.first { $0.unit == instance }
            // The unit from before versions listens on the port(s) its file allows.
            let oldPorts =
                oldRuns ? Self.ports(allowedBy: apply.plan.changes.first { $0.address.name == old }?.before) : []
            let held = Set([serving?.port].compactMap { $0 } + oldPorts)
            let port = existing?.port ?? rendering.ports.first { !held.contains($0) } ?? rendering.prim.port
            if existing == nil {
                try units.prepare(instance: instance, env: rendering.env(port: port), release: rendering.release)
            }
            var replaced = serving.map { [$0] } ?? []
            if let serving, serving.unit == instance { replaced = [] }
            // A prim routed now has its route moved at the stage; a new route is loaded with the others, after DNS.
            var handover = Handover(
                prim: prim, unit: instance, port: port,
                replaces: replaced.map(\.unit) + (oldRuns ? [old] : []),
                replacedPorts: Array(Set(replaced.compactMap(\.port) + oldPorts)),
                movesRoute: route && port != nil)
            handover.routedFrom = serving?.port ?? versions.routedPort
            var gate = apply.gates[change.address.name]
            gate?.unit = instance
            if let port { gate?.port = port }
            starts.append(Start(change: change, handover: handover, gate: gate, adopted: existing != nil))
        }
        guard !starts.isEmpty else { return }

        let clock = Date()
        let jobs = starts.filter { !$0.adopted }.map { UnitJob(unit: $0.handover.unit, verb: .start) }
        let outcomes = jobs.isEmpty ? [:] : units.run(jobs, timeout: apply.jobTimeout)
        let jobSeconds = Date().timeIntervalSince(clock)
        var gated: [Start] = []
        var restored = 0
        for start in starts {
            guard let failure = outcomes[start.handover.unit] ?? nil else { gated.append(start); continue }
            let lines = units.journal(unit: start.handover.unit, lines: 10)
            apply.report(
                .step(
                    .init(
                        address: start.change.address, action: start.change.action, error: failure, seconds: jobSeconds,
                        journal: apply.redacted(lines, of: start.handover.prim))))
            if let gate = start.gate {
                apply.gate(
                    GateResult(
                        prim: gate.prim, passed: false, enforced: gate.enforce,
                        message: "\(start.handover.unit) did not start: \(failure)",
                        seconds: jobSeconds, release: gate.release), journal: lines)
            }
            if keep(start, because: "\(start.handover.unit): \(failure)", units, apply) { restored += 1 }
        }
        // Gated without the settle: it is waited out while the version already serves (`settle`).
        let checker = apply.host.health { HTTPHealthChecker(bus: apply.host.bus) }
        let results = checker.checkUnsettled(gated.compactMap(\.gate))
        for var start in gated {
            start.handover.seconds = Date().timeIntervalSince(clock)
            guard let gate = start.gate, let result = results.first(where: { $0.prim == gate.prim }) else {
                apply.begin(start.handover)
                continue
            }
            if result.passed {
                if let identity = try? apply.host.units.identity(unit: gate.unit) {
                    start.handover.settling = Settling(invocation: identity.invocation, gatedAt: Date(), result: result)
                } else {
                    apply.gate(result, journal: [])
                }
                apply.begin(start.handover)
                continue
            }
            let lines = units.journal(unit: gate.unit, lines: 10)
            let state = units.activeState(unit: gate.unit)
            if !gate.enforce && state == "active"
                && checker.owner(of: gate.port, unit: gate.unit) == nil
            {
                // A testing prim's gate only reports: its new version takes over all the same, if
                // the port the route moves to is its own.
                apply.gate(result, journal: lines)
                apply.begin(start.handover)
                continue
            }
            var kept = result
            let serving = start.handover.replaces.isEmpty ? "" : "; the running version keeps serving"
            kept.message =
                "the new version failed its gate on port \(gate.port) (\(result.message))\(state != "active" ? " (unit is \(state))" : "")\(serving)"
            apply.gate(kept, journal: lines)
            if keep(start, because: "\(start.change.address.name): \(kept.message)", units, apply) { restored += 1 }
        }
        if restored > 0 { try reload(units, apply) }
    }

    /// The ports a unit file lets its service bind (`SocketBindAllow=tcp:<port>`).
    static func ports(allowedBy unit: String?) -> [Int] {
        (unit ?? "").split(separator: "\n").compactMap { line in
            line.hasPrefix("SocketBindAllow=tcp:") ? Int(line.dropFirst("SocketBindAllow=tcp:".count)) : nil
        }
    }

    /// A version that did not start or failed its gate: it stops, its files go, and its prim keeps
    /// the version that served (the apply ends degraded, exit 4), with the template it runs as
    /// written back (the caller reloads once), so that a restart of that version is that version.
    /// - Returns: whether the template was written back.
    /// An interrupted hand-over's version is reverted instead: its route goes back at the settle,
    /// and it stops after (`stopReverted`).
    func keep(_ start: Start, because message: String, _ units: SystemdExecutor, _ apply: ApplyContext) -> Bool {
        if start.interrupted {
            var handover = start.handover
            handover.routed = true
            apply.begin(handover)
            apply.revert(handover.prim)
            apply.degrade(message, of: handover.prim)
            return false
        }
        _ = units.run([UnitJob(unit: start.handover.unit, verb: .stop)], timeout: apply.jobTimeout)
        try? units.forget(instance: start.handover.unit)
        apply.keep(start.handover.prim)
        apply.degrade(message, of: start.handover.prim)
        return restoreTemplate(start.change, units)
    }

    /// Writes back the template a kept prim's serving version runs as, if the apply rewrote it.
    func restoreTemplate(_ change: Change, _ units: SystemdExecutor) -> Bool {
        guard change.writesContent, let before = change.before else { return false }
        return (try? units.write(change.path, content: before)) != nil
    }
}

extension SystemdReconciler {
    /// The second half of each gate: a version that passed must still be on the same run a settle
    /// period (`HTTPHealthChecker.settle`) after it answered, waited out here, after every kind's
    /// stage, while it may already serve, so that the period costs the apply no time of its own.
    /// A version that did not stay up is reverted: its prim keeps the version it was to replace,
    /// which never stopped, none of its changes are made, its route goes back (the routes' settle),
    /// and then it stops (`stopReverted`). A `testing` prim's version that is up again (it restarted)
    /// takes over all the same: its gate only reports.
    public func settle(_ apply: ApplyContext) throws {
        let settling = apply.settling
        guard let last = settling.compactMap(\.settling?.gatedAt).max() else { return }
        let wait = last.addingTimeInterval(HTTPHealthChecker.settle).timeIntervalSinceNow
        if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        let units = SystemdExecutor(config: apply.host.config, manager: apply.host.units)
        for handover in settling {
            guard let settle = handover.settling else { continue }
            apply.settled(handover.prim)
            var result = settle.result
            result.seconds += Date().timeIntervalSince(settle.gatedAt)
            let now = try? apply.host.units.identity(unit: handover.unit)
            if now?.invocation == settle.invocation && now?.activeState == "active" {
                if apply.kept.contains(handover.prim) {
                    // Its route could not move (the routes' stage said why): it does not take over.
                    result.passed = false
                    result.message =
                        "\(handover.unit) passed its gate, but its route could not move; the running version keeps serving"
                }
                apply.gate(result, journal: [])
                continue
            }
            let lines = units.journal(unit: handover.unit, lines: 10)
            result.passed = false
            result.message = HTTPHealthChecker.unstable(handover.unit)
            guard result.enforced || now?.activeState != "active" else {
                apply.gate(result, journal: lines)
                continue
            }
            if !handover.replaces.isEmpty {
                result.message +=
                    handover.routed
                    ? "; the route went back to the running version" : "; the running version keeps serving"
            }
            apply.gate(result, journal: lines)
            apply.revert(handover.prim)
            apply.degrade("\(ResourceNames.unit(handover.prim).name): \(result.message)", of: handover.prim)
        }
    }

    /// Stops the versions that were reverted (their routes went back at the routes' settle), removes
    /// their files, and writes back the template the version that serves runs as.
    func stopReverted(_ units: SystemdExecutor, _ apply: ApplyContext) throws {
        let reverted = apply.reverted
        guard !reverted.isEmpty else { return }
        _ = units.run(reverted.map { UnitJob(unit: $0.unit, verb: .stop) }, timeout: apply.jobTimeout)
        for handover in reverted { try? units.forget(instance: handover.unit) }
        let restored = reverted.compactMap { handover in
            apply.plan.pending.first { $0.address == ResourceNames.unit(handover.prim) }
        }
        .filter { restoreTemplate($0, units) }
        if !restored.isEmpty { try reload(units, apply) }
    }
}
