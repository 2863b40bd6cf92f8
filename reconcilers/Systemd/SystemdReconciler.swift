import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Units: each prim's template, `prim-<id>@.service`, and the versions that run as its instances.
/// A change to a running prim is a hand-over (`SystemdReconciler+Handover`): at the stage its new
/// version starts beside the serving one and is gated, Caddy's route moves to it (the route
/// reconciler's stage), and at the execution the old version is drained and stopped. Only a
/// template written or removed costs a daemon-reload, once per apply.
public struct SystemdReconciler: Reconciler {
    public init() {}

    public let kind = ResourceKind.unit
    public let createOrder = 30
    public let removalOrder = 30

    public static let massDelete = Override(rawValue: "mass-delete")

    /// Each prim's template, with the version it runs now (`VersionName`) and its two ports.
    public func desire(_ input: DesireInput) throws -> [DesiredResource] {
        input.prims.map { rendering in
            let unit = ResourceNames.unit(rendering.prim.id)
            let template = rendering.unit()
            let version = VersionName.of(
                unit: template, env: rendering.env(port: rendering.prim.port), release: rendering.release,
                key: input.versionKey)
            let attributes = rendering.portAttributes.merging(["version": version]) { a, _ in a }
            return DesiredResource(
                address: unit, prim: rendering.prim.id, path: "\(input.config.unitDir)/\(unit.name)",
                content: template, running: rendering.prim.status?.runs ?? false, attributes: attributes)
        }
    }

    public func observe(_ host: HostEnvironment, desired: DesiredHost) throws -> [ObservedResource] {
        try SystemdObserver(config: host.config, manager: host.units).observe()
    }

    public func compare(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        func change(_ action: Action, _ reason: Reason?, writes: Bool) -> Change {
            Change(
                address: resource.address, prim: resource.prim, path: resource.path, action: action, reason: reason,
                before: live?.content, after: resource.content, writesContent: writes)
        }
        let version = resource.attributes["version"] ?? ""
        guard let live else {
            return resource.running
                ? change(.create, Reason("new", "not on the host yet; version \(version) starts"), writes: true)
                : change(.create, Reason("hold", "not on the host yet; stays stopped (status hold)"), writes: true)
        }
        let running = (live.attributes["running"] ?? "").split(separator: " ").map(String.init)
        let serving = live.attributes["serving"]
        let effect = UnitComparison.effect(old: live.content ?? "", new: resource.content)
        let writes = effect != .none
        if !resource.running {
            if !running.isEmpty {
                return change(
                    .stop, Reason("hold", "status is hold; every version is stopped, route and DNS kept"),
                    writes: writes)
            }
            return writes
                ? change(
                    .update, Reason("content-changed", "unit file changed; stays stopped (status hold)"), writes: true)
                : change(.noop, nil, writes: false)
        }
        if running.isEmpty {
            let state = live.runtime.map { "\($0.activeState)" } ?? "inactive"
            return change(
                .start, Reason("inactive", "no version runs (the last is \(state)); version \(version) starts"),
                writes: writes)
        }
        guard serving == version else {
            let from = serving.map { "version \($0)" } ?? "the units running now"
            if case .restart(let keys) = effect {
                return change(
                    .restart,
                    Reason(
                        "unit-changed",
                        "\(keys.joined(separator: ", ")) changed; version \(version) takes over from \(from)"),
                    writes: true)
            }
            return change(
                .restart,
                Reason(
                    "new-version", "its release, env or settings changed; version \(version) takes over from \(from)"),
                writes: writes)
        }
        if running.count > 1 {
            let others = running.filter { $0 != version }.joined(separator: ", ")
            return change(
                .update, Reason("stray-versions", "version \(others) still runs beside the serving one and stops"),
                writes: writes)
        }
        if let stray = live.attributes["stray"] {
            return change(
                .update,
                Reason(
                    "stray-versions",
                    "the files of version \(stray.split(separator: " ").joined(separator: ", ")), which does not run, are removed"
                ), writes: writes)
        }
        switch effect {
        case .none, .restart: return change(.noop, nil, writes: false)
        case .reenable(let keys):
            return change(
                .update, Reason("install-changed", "\(keys.joined(separator: ", ")) changed; no restart"), writes: true)
        case .rewriteOnly(let keys):
            return change(
                .update, Reason("documentation-changed", "only \(keys.joined(separator: ", ")) changed; no restart"),
                writes: true)
        }
    }

    /// As the state would leave the host: each running prim's desired version runs and serves.
    public func assumedApplied(_ desired: DesiredHost) -> [ObservedResource] {
        desired.resources.filter { $0.address.kind == kind }.map { resource in
            let version = resource.attributes["version"] ?? ""
            return ObservedResource(
                address: resource.address, path: resource.path, content: resource.content, digest: resource.digest,
                runtime: UnitRuntime(loadState: "loaded", activeState: resource.running ? "active" : "inactive"),
                prim: resource.prim, attributes: resource.running ? ["running": version, "serving": version] : [:])
        }
    }

    /// A hand-over an interrupted apply did not finish is made again (the observation decides what is left).
    public func resumeAction(unfinished: Action) -> Action? {
        [.create, .restart, .start].contains(unfinished) ? .restart : nil
    }

    /// A removed prim's persistent directory is kept, and one that moves (a new `state_dir`, a new
    /// owner) starts empty: the plan says where each is. A unit from before versions that a
    /// template replaces is not a removal.
    public func notes(_ changes: [Change], _ observed: ObservedState) -> [String] {
        func stateDirectory(_ unit: String?) -> Substring? {
            (unit ?? "").split(separator: "\n").first { $0.hasPrefix("StateDirectory=") }?.dropFirst(
                "StateDirectory=".count)
        }
        let templates = Set(
            changes.filter { ResourceNames.isTemplate($0.address.name) && $0.action != .delete }.compactMap(\.prim))
        return changes.compactMap { change in
            guard change.action != .noop, let prim = change.prim, let old = stateDirectory(change.before) else {
                return nil
            }
            if change.action == .delete {
                if templates.contains(prim) { return nil }
                return
                    "prim '\(prim)' is removed, and its data in /var/lib/\(old) is kept (systemd keeps a removed unit's StateDirectory); delete /var/lib/private/\(old) when it is no longer needed"
            }
            guard let new = stateDirectory(change.after), new != old else { return nil }
            return
                "prim '\(prim)' moves to an empty state directory /var/lib/\(new); its data stays in /var/lib/\(old) (move it by hand, with the prim stopped, if it should follow)"
        }
    }

    public func refusal(_ plan: Plan, overrides: Set<Override>) -> Refusal? {
        guard !overrides.contains(Self.massDelete), let message = MassDeletion.refusal(plan) else { return nil }
        return Refusal(code: "mass-delete", message)
    }

    public func stage(_ changes: [Change], _ apply: ApplyContext) throws {
        try startVersions(changes, apply)
    }

    /// After the routes moved and the new versions settled: versions that were reverted stop, each
    /// replaced version is drained and stopped, a held prim's versions stop, and every change is
    /// recorded.
    public func execute(_ changes: [Change], _ apply: ApplyContext) throws {
        let units = SystemdExecutor(config: apply.host.config, manager: apply.host.units)
        try stopReverted(units, apply)
        // A version whose route could not move does not take over: it stops, and the old one serves
        // on, as an instance of the template it ran as.
        let unrouted = apply.handovers.values.filter { $0.movesRoute && !$0.routed && !$0.reverted }
        var stops = unrouted.map(\.unit)
        let restored = unrouted.compactMap { handover in
            apply.plan.pending.first { $0.address == ResourceNames.unit(handover.prim) }
        }
        .filter { restoreTemplate($0, units) }
        if !restored.isEmpty { try reload(units, apply) }
        for change in changes {
            guard let prim = change.prim, ResourceNames.isTemplate(change.address.name) else { continue }
            if change.action == .stop {
                stops +=
                    (try? SystemdObserver(config: apply.host.config, manager: apply.host.units).versions(of: prim)
                        .running
                        .map(\.unit)) ?? []
            } else if let handover = apply.handovers[prim], handover.routed || !handover.movesRoute {
                stops += handover.replaces.filter { ResourceNames.version(ofUnit: $0) != nil }
            }
        }
        let handovers = changes.compactMap { $0.prim.flatMap { apply.handovers[$0] } }
        drain(ports: handovers.flatMap(\.replacedPorts))
        let outcomes =
            stops.isEmpty ? [:] : units.run(stops.map { UnitJob(unit: $0, verb: .stop) }, timeout: apply.jobTimeout)
        for unit in stops where (outcomes[unit] ?? nil) == nil { try? units.forget(instance: unit) }
        sweep(Set(changes.compactMap(\.prim)), units, apply)
        for change in changes {
            let failed = stops.filter { ResourceNames.prim(ofUnit: $0) == change.prim }.compactMap { unit in
                (outcomes[unit] ?? nil).map { "\(unit): \($0)" }
            }
            if let failure = failed.first {
                apply.report(
                    .step(
                        .init(address: change.address, action: change.action, error: failure, seconds: 0, journal: [])))
                apply.degrade(failure, of: change.prim)
            } else {
                apply.done(change, seconds: change.prim.flatMap { apply.handovers[$0]?.seconds } ?? 0)
            }
        }
    }

    /// Stop, disable and remove, then one daemon-reload. A unit from before versions is drained
    /// first: its prim's route moved to the new version at the stage.
    public func remove(_ changes: [Change], _ apply: ApplyContext) throws {
        guard !changes.isEmpty else { return }
        let units = SystemdExecutor(config: apply.host.config, manager: apply.host.units)
        let observer = SystemdObserver(config: apply.host.config, manager: apply.host.units)
        drain(ports: changes.compactMap { $0.prim.flatMap { apply.handovers[$0] } }.flatMap(\.replacedPorts))
        var stopping: [String: [String]] = [:]
        for change in changes {
            if ResourceNames.isTemplate(change.address.name), let prim = change.prim {
                let versions = try observer.versions(of: prim)
                stopping[change.address.name] = (versions.running + versions.stopped).map(\.unit)
            } else {
                stopping[change.address.name] = [change.address.name]
            }
        }
        let stops = units.run(
            stopping.values.flatMap { $0 }.map { UnitJob(unit: $0, verb: .stop) }, timeout: apply.jobTimeout)
        for change in changes {
            try apply.step(change) {
                for unit in stopping[change.address.name] ?? [] {
                    if let failure = stops[unit] ?? nil { throw SystemError("cannot stop \(unit): \(failure)") }
                    if ResourceNames.version(ofUnit: unit) != nil { try units.forget(instance: unit) }
                }
                try units.disable(unit: change.address.name)
                try units.remove(change.path)
                try apply.owns(change.address, path: nil)
            }
        }
        try reload(units, apply)
    }

    /// One daemon-reload, reported with how long it took.
    func reload(_ units: SystemdExecutor, _ apply: ApplyContext) throws {
        let clock = Date()
        try units.reload()
        apply.report(.daemonReload(seconds: Date().timeIntervalSince(clock)))
    }

    /// Removes the files of versions that do not run: what a `kill -9` between a version's files and
    /// its start (or between its stop and its files' removal) left, so that no stale env file keeps
    /// an old secret and no version that was never gated starts at boot.
    /// Only the prims this apply changes: a blocked or kept prim's files stay as they are.
    func sweep(_ prims: Set<String>, _ units: SystemdExecutor, _ apply: ApplyContext) {
        guard !prims.isEmpty else { return }
        let observer = SystemdObserver(config: apply.host.config, manager: apply.host.units)
        guard let running = try? observer.allVersions() else { return }
        for (prim, files) in observer.versionFiles() where prims.contains(prim) {
            for version in observer.strays(
                of: prim, files: files, versions: observer.versions(of: prim, among: running))
            {
                try? units.forget(instance: ResourceNames.instance(prim, version: version))
            }
        }
    }

    /// Waits (at most a second) until no connection to these ports, the replaced versions', is open:
    /// the requests Caddy sent them before its route moved are answered.
    func drain(ports: [Int]) {
        guard !ports.isEmpty else { return }
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline, ports.contains(where: { PortOwners.connections(to: $0) > 0 }) {
            usleep(10_000)
        }
    }

    public func directories(_ config: HostConfig) -> [String] {
        [config.unitDir, "\(config.unitDir)/multi-user.target.wants", config.paths.versions]
    }
}
