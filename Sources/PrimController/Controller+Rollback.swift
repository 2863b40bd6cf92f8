import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// What the host runs when some prims are held at an older revision, and putting them back there.
extension Controller {
    /// What the host should run: `state` (the tree at `revision`), except the prims in `overrides`,
    /// rendered from the older revision each maps to. The session reads release files from all those trees.
    func desire(
        _ state: DesiredState, at revision: String, overrides: [String: String],
        repo: GitRepository
    ) throws -> (session: HostSession, desire: HostDesire) {
        let source = GitSourceTree(repository: repo, commit: revision, subpath: settings.statePath)
        let byRevision = Dictionary(grouping: overrides.keys, by: { overrides[$0]! })
        let older = byRevision.keys.sorted().map {
            GitSourceTree(repository: repo, commit: $0, subpath: settings.statePath)
        }
        let session = try HostSession(config: config, sources: [source] + older)
        var desire = try session.desire(state, source: source)
        for tree in older {
            let prims = Set(byRevision[tree.commit]!)
            let (snapshot, _) = try repo.snapshot(revision: tree.commit, subpath: settings.statePath)
            let old = try session.desire(StateLoader.load(snapshot).state, source: tree)
            desire.desired = desire.desired.replacing(prims: prims, from: old.desired)
            desire.gates = desire.gates.filter { !prims.contains($0.value.prim) }
            for (unit, gate) in old.gates where prims.contains(gate.prim) { desire.gates[unit] = gate }
        }
        return (session, desire)
    }

    /// Puts `prims` back to their state at `good` (unit, env, route, release); everything else stays at head.
    func rollback(
        _ prims: Set<String>, to good: String, head: String, headState: DesiredState, repo: GitRepository
    ) throws {
        let overrides = Dictionary(uniqueKeysWithValues: prims.map { ($0, good) })
        let (session, effective) = try desire(headState, at: head, overrides: overrides, repo: repo)
        let plan = try session.plan(effective.desired)
        let generation = try session.applier().apply(
            plan, desired: effective.desired, gates: effective.gates,
            revision: good, origin: origin,
            provenance: .init(
                subject: (try? repo.subject(good)).map {
                    "\($0) (\(prims.sorted().joined(separator: ", ")) rolled back to it)"
                },
                note: "rollback of \(prims.sorted().joined(separator: ","))"),
            report: logEvent)
        for prim in prims { status.rolledBack[prim] = good }
        record(generation.gates)
        // A prim kept at its running version (its side-by-side candidate failed) was not restarted:
        // ask it directly how it is.
        let unchecked = effective.gates.values.filter { gate in
            prims.contains(gate.prim) && !generation.gates.contains { $0.prim == gate.prim }
        }
        check(unchecked, session: session, renderings: effective.desired.renderings)
        log(
            "rolled \(prims.sorted().joined(separator: ", ")) back to \(Self.short(good)): \(generation.outcome.rawValue)"
        )
    }

    /// The guards the host config lifts for primd (an operator's settings, never a commit's).
    var overrides: Set<Override> {
        var overrides: Set<Override> = []
        if config.controller.allowMassDelete { overrides.insert(Kinds.allowMassDelete) }
        if config.dnsAllowDeletes { overrides.insert(Kinds.allowDNSDeletes) }
        return overrides
    }
}
