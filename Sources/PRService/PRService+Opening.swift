import Foundation
import PrimModel
import PrimPlan

/// Opening a PR: the free checks before payment (preflight, flood control, claims), staging a
/// manifest against main, and the commit, branch and record of a new PR.
extension PRService {
    /// What became of a manifest sent to `open`.
    public enum Opening: Sendable {
        case created(PullRequest)
        /// The same files are already an open PR.
        case duplicate(PullRequest)
        /// Main already holds exactly these files: no PR, no commit. `mergedBy` is the PR that put them there, if pr.sh knows it.
        case unchanged(main: String, mergedBy: Int?)

        /// The PR opened or found; nil when nothing was opened.
        public var pullRequest: PullRequest? {
            switch self {
            case .created(let pr), .duplicate(let pr): return pr
            case .unchanged: return nil
            }
        }
    }

    /// What pr.sh says of a manifest before anything is paid or written.
    public enum Preflight: Sendable {
        /// Nothing to open (a duplicate, or main already holds the files): answered free.
        case answer(Opening)
        /// A PR would be opened, for this price (atomic USDC units, main's policy).
        case proceed(price: UInt64)
    }

    /// The checks of `open` that come before any work: the manifest's paths and limits, a
    /// duplicate, no change, a conflicting open PR. A refusal here costs the caller nothing.
    public func preflight(_ manifest: Manifest) throws -> Preflight {
        switch try stage(manifest, by: nil) {
        case .answered(let opening): return .answer(opening)
        case .ready(_, let base, _, _, _): return .proceed(price: base.policy.prices.open)
        }
    }

    /// nil when `wallet` may send a change now; otherwise the flood-control refusal (free).
    public func admit(_ wallet: String) throws {
        let policy = try loaded(try mainHead()).result.state.policy
        if let refusal = ledger.refusal(for: wallet, policy: policy, now: now()) { throw refusal }
    }

    /// Re-runs `open`'s checks before the caller pays and claims what the manifest writes until
    /// `release`: what a refusal after the payment could have been is refused now, free. Returns
    /// the answer when there is nothing to open after all (a duplicate, or no change).
    public func claim(_ manifest: Manifest, by wallet: String, for request: String) throws -> Opening? {
        switch try stage(manifest, by: wallet) {
        case .answered(let opening): return opening
        case .ready(_, let base, let changed, _, _):
            try claim(
                changed.map { "file:" + $0 } + ownerPaths(createdBy: manifest, base: base).map { "file:" + $0 } + [
                    "manifest:" + manifest.contentHash
                ],
                for: request)
            return nil
        }
    }

    /// Claims a PR for a paid action on it, after checking the caller may act (free).
    public func claim(pullRequest number: Int, action: PRAction, by caller: Caller, for request: String) throws {
        // An owner's approval is authorized by authorizeApproval; merge and close by authorship.
        _ = try price(of: action, number, by: action == .approve ? nil : caller)
        try claim(["pr:\(number)"], for: request)
    }

    func claim(_ keys: [String], for request: String) throws {
        try claims.claim(keys, for: request)
    }

    public func release(_ request: String) { claims.release(request) }

    enum Staged {
        case answered(Opening)
        /// `manifest`: the one sent, with the hosts pr.sh chose for its new prims written in (`placed`).
        case ready(
            main: String, base: DesiredState, changed: [String], manifest: Manifest, placed: [Placement.Placed])
    }

    /// - Parameter wallet: the caller, nil before it is known (a preflight): a conflict with a PR
    ///   that waits for an owner's approval then gives way, since the caller may be that owner.
    func stage(_ manifest: Manifest, by wallet: String?) throws -> Staged {
        try forge.sync()
        let main = try mainHead()
        let base = try loaded(main).result.state
        let policy = base.policy
        try ManifestCheck.check(
            manifest, policy: policy, statePath: configuration.statePath, limits: configuration.limits
        ) { path in
            switch try? self.repository.entryKind(path, at: main) {
            case .file?: return .file
            case .directory?, .submodule?: return .directory
            case .symlink?: return .symlink
            case nil: return nil
            }
        } names: { folder in
            (try? self.repository.entryNames(inFolder: folder, at: main)) ?? []
        }
        try PackageFolders.check(
            manifest, base: base, created: Set(createdPrims(manifest, base: base)), statePath: configuration.statePath)
        let hash = manifest.contentHash
        if let same = pullRequests.values.first(where: { $0.state == .open && $0.manifestHash == hash }) {
            return .answered(.duplicate(same))
        }
        let (manifest, placed) = try Placement.place(manifest, base: base, statePath: configuration.statePath)
        let changed = try manifest.files.filter { try repository.file($0.path, at: main) != Array($0.content.utf8) }
            .map(\.path)
        if changed.isEmpty {
            let merged = pullRequests.values.filter { $0.state == .merged && $0.manifestHash == hash }.map(\.number)
                .max()
            return .answered(.unchanged(main: main, mergedBy: merged))
        }
        // Open PRs conflict by the files they write, not by the prims they reach: a change to a
        // secret given to every prim does not lock out a PR that writes other files. A PR that
        // waits for an owner's approval never locks that owner out of its own prim: it gives way.
        let owned = ownerPaths(createdBy: manifest, base: base)
        if let (other, written) = try pullRequests.values.sorted(by: { $0.number < $1.number }).lazy
            .filter({ $0.state == .open && !$0.givesWay(to: wallet) })
            .map({ ($0, try self.changedPaths(of: $0, main: main)) })
            .first(where: { !$0.1.isDisjoint(with: changed + owned) })
        {
            let shared = written.intersection(changed + owned).sorted().joined(separator: ", ")
            var error = ServiceError(
                .conflict, "PR #\(other.number) is already open and writes \(shared); wait for it, or close it first",
                field: "files")
            error.pullRequest = other.number
            throw error
        }
        return .ready(main: main, base: base, changed: changed, manifest: manifest, placed: placed)
    }

    /// Opens a PR for a manifest, unless it duplicates an open one or changes nothing on main.
    /// `wallet` is the caller proven by its payment: it authors the commit, owns the PR and the
    /// prims the PR creates (pr.sh adds their `owners/<prim>.yaml`).
    public func open(_ sent: Manifest, wallet: String) throws -> Opening {
        let main: String, base: DesiredState, placed: [Placement.Placed]
        var manifest: Manifest
        switch try stage(sent, by: wallet) {
        case .answered(let opening): return opening
        case .ready(let m, let b, _, let placedManifest, let placements):
            (main, base, manifest, placed) = (m, b, placedManifest, placements)
        }
        let policy = base.policy
        // The manifest as sent names the PR (a second send is its duplicate); the placed one is committed.
        let hash = sent.contentHash
        let time = now()
        if let refusal = ledger.refusal(for: wallet, policy: policy, now: time) { throw refusal }
        let number = (pullRequests.keys.max() ?? 0) + 1
        let agentOutcome = try checks(manifest, on: main, at: time)
        // The prims it creates are the ones the new state has and main has not: their owner
        // records go in the same commit (a folder under packages/ alone creates no prim).
        let created = (agentOutcome.head?.prims.map(\.id) ?? []).filter { base.prim($0) == nil }
        // Owner records change neither validation nor the plan: the checks stand, and the state
        // main will hold after a merge gets the records too.
        var outcome = agentOutcome
        for id in created {
            let relative = StateLayout.Folder.owners.file(id)
            let content =
                "# Written by pr.sh: the wallet whose paid PR created prim '\(id)'.\nwallet: \(wallet)\npr: \(number)\n"
            manifest.files.append(.init(path: ManifestCheck.join(configuration.statePath, relative), content: content))
            outcome.loadedHead.snapshot.entries[relative] = .file(Array(content.utf8))
            outcome.loadedHead.result.state.owners.append(
                PrimOwner(prim: id, wallet: wallet, pullRequest: number, file: relative, mark: .start))
        }
        if !created.isEmpty { states.lastHead = (main, manifest.contentHash, outcome.loadedHead) }
        let relative = statePaths(manifest.files.map(\.path))
        guard outcome.head != nil else {
            ledger.record(wallet, green: false, policy: policy, now: time)
            try store.save(ledger)
            var error = ServiceError(
                .invalidRequest,
                "the state does not validate with this change: \(outcome.errors.count) error\(outcome.errors.count == 1 ? "" : "s"); fix them and send the manifest again",
                field: outcome.errors.first.map { String($0.prefix { $0 != ":" }) })
            error.diagnostics = outcome.errors
            throw error
        }
        let prims = PolicyGate.touchedPrims(paths: relative, base: base, head: outcome.head)
        let message = commitMessage(manifest, number: number, wallet: wallet)
        let head = try commit(manifest, onto: main, message: message, wallet: wallet, at: time)
        let branch = try createBranch(prims: prims, at: head, time: time)
        var pr = PullRequest(
            number: number, title: manifest.title, body: manifest.body,
            labels: (["agent-pr"] + manifest.labels.filter { $0 != "agent-pr" }),
            author: wallet, branch: branch, paths: manifest.files.map(\.path).sorted(), manifestHash: hash,
            prims: prims,
            base: main, head: head, state: .open, checks: outcome.checks,
            approvalReasons: approvalReasons(outcome, paths: relative, prims: prims),
            comments: [], createdAt: time, updatedAt: time)
        pr.awaitedOwners = PolicyGate.awaitedOwners(prims: prims, base: base, author: wallet)
        for placement in placed {
            pr.comments.append(
                .init(
                    author: "pr.sh",
                    body:
                        "placed prim '\(placement.prim)' on host \(placement.host) (the host open to agents with the fewest prims and room left): deploy.host written into \(placement.path)",
                    at: time))
        }
        ledger.record(wallet, green: pr.isGreen, policy: policy, now: time)
        try store.save(ledger)
        try save(&pr)
        if pr.isGreen && !pr.needsApproval {
            try? merge(&pr, by: .wallet(wallet))
        }
        return .created(pr)
    }

    /// The owner records of the prims a manifest creates (prims not on main), as repository paths.
    func ownerPaths(createdBy manifest: Manifest, base: DesiredState) -> [String] {
        createdPrims(manifest, base: base).map {
            ManifestCheck.join(configuration.statePath, StateLayout.Folder.owners.file($0))
        }
    }

    /// The prims a manifest's own prim files would create (for claims and conflicts, before its
    /// checks run): `prims/<id>.yaml`, and `packages/<id>/prim.yaml` only where the state is in
    /// upstream's layout (elsewhere that file declares nothing).
    func createdPrims(_ manifest: Manifest, base: DesiredState) -> [String] {
        let paths = statePaths(manifest.files.map(\.path))
        let upstream = base.layout == .upstream || paths.contains(StateLayout.registry)
        return paths.compactMap { path -> String? in
            if let (folder, stem) = StateLayout.declaration(path), folder == .prims { return stem }
            if upstream, StateLayout.isPackagePrim(path) { return StateLayout.packageOwner(path) }
            return nil
        }.filter { base.prim($0) == nil }
    }
}
