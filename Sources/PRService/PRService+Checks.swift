import Foundation
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// A PR's checks (validate, plan, promotion) against main's state, re-run when main moves.
extension PRService {
    /// Re-runs the checks when main moved since they ran; re-reads the approval rules too.
    func refresh(_ pr: inout PullRequest) throws {
        let main = try mainHead()
        guard pr.checks.first?.base != main || pr.checks.contains(where: { $0.status == .pending }) else { return }
        let manifest = try self.manifest(of: pr)
        let outcome = try checks(manifest, on: main, at: now())
        pr.checks = outcome.checks
        let relative = statePaths(pr.paths)
        if let head = outcome.head {
            pr.prims = PolicyGate.touchedPrims(paths: relative, base: outcome.base, head: head)
        }
        pr.approvalReasons = approvalReasons(outcome, paths: relative, prims: pr.prims)
        pr.awaitedOwners = PolicyGate.awaitedOwners(prims: pr.prims, base: outcome.base, author: pr.author)
        pr.mergeProblem = nil
        try save(&pr)
    }

    func loaded(_ commit: String) throws -> LoadedState {
        if let hit = states[commit] { return hit }
        let snapshot = try repository.snapshot(revision: commit, subpath: configuration.statePath).0
        let state = LoadedState(snapshot: snapshot, result: StateLoader.load(snapshot))
        states.remember(state, for: commit)
        return state
    }

    func checks(_ manifest: Manifest, on main: String, at time: Date) throws -> Checks.Outcome {
        var outcome = try Checks.run(
            manifest, on: main, loaded: try loaded(main), repository: repository,
            statePath: configuration.statePath, kinds: configuration.kinds, at: time)
        states.lastHead = (main, manifest.contentHash, outcome.loadedHead)
        if let head = outcome.head,
            let check = try promotion(manifest, head: head, base: outcome.base, main: main, at: time)
        {
            outcome.checks.append(check)
        }
        return outcome
    }

    /// The `promotion` check when the change makes a prim `live` that is not live on main; nil otherwise.
    func promotion(
        _ manifest: Manifest, head: DesiredState, base: DesiredState, main: String, at time: Date
    ) throws -> Check? {
        let promoted = Promotion.promoted(base: base, head: head)
        guard !promoted.isEmpty else { return nil }
        let source = CachedSourceTree(
            OverlaySourceTree(
                base: GitSourceTree(repository: repository, commit: main, subpath: configuration.statePath),
                files: Checks.overlay(manifest, statePath: configuration.statePath)))
        let candidates = try promoted.map { id -> Promotion.Candidate in
            let prim = head.prim(id)!
            let host = head.host(for: prim) ?? Host.implicit()
            let release = try ReleaseManifest.of(prim: id, shared: host.shared, in: source)
            return Promotion.Candidate(prim: id, code: PrimIdentity.digest(of: prim, release: release, in: head))
        }
        return Promotion.check(
            candidates, report: configuration.primd?.report() ?? .notConfigured,
            minutes: base.policy.minTestingMinutes, now: time, base: main)
    }
}
