import Foundation
import PrimModel
import PrimPlan
import ReleaseReconciler
import PrimSigning
import PrimSystem

/// pr.sh: turns agents' manifests into branches and pull requests on a repository it owns
/// (the local forge), runs checks, applies policy, merges as a fast-forward of main, and keeps
/// flood control. One actor: every change to PRs, counters and refs happens in turn.
public actor PRService {
    public struct Configuration: Sendable {
        /// The bare repository pr.sh writes (primd watches the same one).
        public var repository: String
        public var branch = "main"
        /// The state root inside the repository (`state`, or empty for the root).
        public var statePath = ""
        public var dataDir: String
        /// Base of PR URLs: `<publicURL>/v1/pr/<n>`.
        public var publicURL = "http://127.0.0.1:7300"
        public var limits = ManifestLimits()
        /// primd's HTTP API: the `promotion` check and deployment following read its status. nil:
        /// promotions stay pending and merged PRs are not followed.
        public var primd: PrimdClient?
        /// How long after a merge pr.sh keeps following a deployment that is not final.
        public var followSeconds = 86400.0
        public var committer = GitRepository.Person(name: "pr.sh", email: "pr@prim.sh")
        /// Signs every commit pr.sh makes, so primd can require signed commits.
        public var signer: SSHSigner?

        public init(repository: String, dataDir: String) {
            self.repository = repository
            self.dataDir = dataDir
        }
    }

    /// Who asks for a merge or a close.
    public enum Caller: Sendable, Equatable {
        case wallet(String)
        case `operator`
    }

    let configuration: Configuration
    let forge: Forge
    var repository: GitRepository { forge.repository }
    let store: PRStore
    let now: @Sendable () -> Date
    /// Told the new main commit after every merge (primd's webhook).
    let onMerge: @Sendable (String) -> Void
    var pullRequests: [Int: PullRequest]
    var ledger: WalletLedger
    /// Loaded states of recent commits (main moves one merge at a time, so a few suffice).
    var states: [String: LoadedState] = [:]
    var stateOrder: [String] = []
    /// The last checks' head state, by main commit and manifest: a merge of exactly that is main's next state.
    var lastHead: (base: String, hash: String, state: LoadedState)?
    /// What paid requests between their settlement and their work have claimed: the files a
    /// manifest writes (`file:`), its content (`manifest:`) and PRs (`pr:`). Another request for
    /// any of them is refused before it pays.
    var claims: [String: [String]] = [:]

    /// `forge` defaults to the local forge on `configuration.repository`.
    public init(_ configuration: Configuration, forge: Forge? = nil, now: @escaping @Sendable () -> Date = { Date() },
                onMerge: @escaping @Sendable (String) -> Void = { _ in }) throws {
        let forge = try forge ?? LocalForge(path: configuration.repository)
        let store = PRStore(directory: configuration.dataDir)
        let pullRequests = try store.loadPullRequests()
        let ledger = try store.loadLedger()
        self.configuration = configuration
        self.forge = forge
        self.store = store
        self.now = now
        self.onMerge = onMerge
        self.pullRequests = pullRequests
        self.ledger = ledger
    }

    // MARK: Reading

    public func pullRequest(_ number: Int) throws -> PullRequest {
        var pr = try record(number)
        if pr.state == .open {
            try refresh(&pr)
        }
        return pr
    }

    public func list(state: PullRequest.State?) -> [PullRequest] {
        pullRequests.values.filter { state == nil || $0.state == state }.sorted { $0.number < $1.number }
    }

    /// The PR's address on the forge (GitHub), or pr.sh's own.
    /// Each host's age recipients on main: what an agent encrypts a secret to (`secrets/<NAME>.yaml` `encrypted:`).
    public func recipients() throws -> [(host: String, recipients: [String])] {
        let state = try loaded(try mainHead()).result.state
        return state.hosts.sorted { $0.name < $1.name }.map { ($0.name, $0.secretRecipients) }
    }

    public func url(of pr: PullRequest) -> String { pr.forge?.url ?? "\(configuration.publicURL)/v1/pr/\(pr.number)" }

    // MARK: Opening

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
        case .ready(_, let base, _): return .proceed(price: base.policy.prices.open)
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
        case .ready(_, let base, let changed):
            try claim(changed.map { "file:" + $0 } + ownerPaths(createdBy: manifest, base: base).map { "file:" + $0 } + ["manifest:" + manifest.contentHash],
                      for: request)
            return nil
        }
    }

    /// Claims a PR for a paid action on it, after checking the caller may act (free).
    public func claim(pullRequest number: Int, action: String, by caller: Caller, for request: String) throws {
        // An owner's approval is authorized by authorizeApproval; merge and close by authorship.
        _ = try price(of: action, number, by: action == "approve" ? nil : caller)
        try claim(["pr:\(number)"], for: request)
    }

    func claim(_ keys: [String], for request: String) throws {
        let taken = Set(claims.values.joined())
        if let busy = keys.first(where: taken.contains) {
            var error = ServiceError(.conflict, "another paid request is changing \(busy.drop { $0 != ":" }.dropFirst()) right now; nothing was charged: try again in a few seconds", field: "files")
            error.retryAfter = 2
            throw error
        }
        claims[request] = keys
    }

    public func release(_ request: String) { claims[request] = nil }

    enum Staged {
        case answered(Opening)
        case ready(main: String, base: DesiredState, changed: [String])
    }

    /// - Parameter wallet: the caller, nil before it is known (a preflight): a conflict with a PR
    ///   that waits for an owner's approval then gives way, since the caller may be that owner.
    func stage(_ manifest: Manifest, by wallet: String?) throws -> Staged {
        try forge.sync()
        let main = try mainHead()
        let base = try loaded(main).result.state
        let policy = base.policy
        try ManifestCheck.check(manifest, policy: policy, statePath: configuration.statePath, limits: configuration.limits) { path in
            switch try? self.repository.entryKind(path, at: main) {
            case .file?: return .file
            case .directory?, .submodule?: return .directory
            case .symlink?: return .symlink
            case nil: return nil
            }
        } names: { folder in
            (try? self.repository.entryNames(inFolder: folder, at: main)) ?? []
        }
        try PackageFolders.check(manifest, base: base, created: Set(createdPrims(manifest, base: base)), statePath: configuration.statePath)
        let hash = manifest.contentHash
        if let same = pullRequests.values.first(where: { $0.state == .open && $0.manifestHash == hash }) {
            return .answered(.duplicate(same))
        }
        let changed = try manifest.files.filter { try repository.file($0.path, at: main) != Array($0.content.utf8) }.map(\.path)
        if changed.isEmpty {
            let merged = pullRequests.values.filter { $0.state == .merged && $0.manifestHash == hash }.map(\.number).max()
            return .answered(.unchanged(main: main, mergedBy: merged))
        }
        // Open PRs conflict by the files they write, not by the prims they reach: a change to a
        // secret given to every prim does not lock out a PR that writes other files. A PR that
        // waits for an owner's approval never locks that owner out of its own prim: it gives way.
        let owned = ownerPaths(createdBy: manifest, base: base)
        if let (other, written) = try pullRequests.values.sorted(by: { $0.number < $1.number }).lazy
            .filter({ $0.state == .open && !$0.givesWay(to: wallet) })
            .map({ ($0, try self.changedPaths(of: $0, main: main)) })
            .first(where: { !$0.1.isDisjoint(with: changed + owned) }) {
            let shared = written.intersection(changed + owned).sorted().joined(separator: ", ")
            var error = ServiceError(.conflict, "PR #\(other.number) is already open and writes \(shared); wait for it, or close it first", field: "files")
            error.pullRequest = other.number
            throw error
        }
        return .ready(main: main, base: base, changed: changed)
    }

    /// Opens a PR for a manifest, unless it duplicates an open one or changes nothing on main.
    /// `wallet` is the caller proven by its payment: it authors the commit, owns the PR and the
    /// prims the PR creates (pr.sh adds their `owners/<prim>.yaml`).
    public func open(_ manifest: Manifest, wallet: String) throws -> Opening {
        let main: String, base: DesiredState
        switch try stage(manifest, by: wallet) {
        case .answered(let opening): return opening
        case .ready(let m, let b, _): (main, base) = (m, b)
        }
        let policy = base.policy
        let hash = manifest.contentHash
        let time = now()
        if let refusal = ledger.refusal(for: wallet, policy: policy, now: time) { throw refusal }
        let number = (pullRequests.keys.max() ?? 0) + 1
        let agentOutcome = try checks(manifest, on: main, at: time)
        // The prims it creates are the ones the new state has and main has not: their owner
        // records go in the same commit (a folder under packages/ alone creates no prim).
        let created = (agentOutcome.head?.prims.map(\.id) ?? []).filter { base.prim($0) == nil }
        // Owner records change neither validation nor the plan: the checks stand, and the state
        // main will hold after a merge gets the records too.
        var manifest = manifest
        var outcome = agentOutcome
        for id in created {
            let relative = "\(PrimOwner.folder)/\(id).yaml"
            let content = "# Written by pr.sh: the wallet whose paid PR created prim '\(id)'.\nwallet: \(wallet)\npr: \(number)\n"
            manifest.files.append(.init(path: ManifestCheck.join(configuration.statePath, relative), content: content))
            outcome.loadedHead.snapshot.entries[relative] = .file(Array(content.utf8))
            outcome.loadedHead.result.state.owners.append(PrimOwner(prim: id, wallet: wallet, pullRequest: number, file: relative, mark: .start))
        }
        if !created.isEmpty { lastHead = (main, manifest.contentHash, outcome.loadedHead) }
        let relative = statePaths(manifest.files.map(\.path))
        guard outcome.head != nil else {
            ledger.record(wallet, green: false, policy: policy, now: time)
            try store.save(ledger)
            var error = ServiceError(.invalidRequest, "the state does not validate with this change: \(outcome.errors.count) error\(outcome.errors.count == 1 ? "" : "s"); fix them and send the manifest again",
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
            author: wallet, branch: branch, paths: manifest.files.map(\.path).sorted(), manifestHash: hash, prims: prims,
            base: main, head: head, state: .open, checks: outcome.checks,
            approvalReasons: approvalReasons(outcome, paths: relative, prims: prims),
            comments: [], createdAt: time, updatedAt: time)
        pr.awaitedOwners = PolicyGate.awaitedOwners(prims: prims, base: base, author: wallet)
        ledger.record(wallet, green: pr.isGreen, policy: policy, now: time)
        try store.save(ledger)
        try save(&pr)
        if pr.isGreen && !pr.needsApproval {
            try? merge(&pr, by: .wallet(wallet))
        }
        return .created(pr)
    }

    // MARK: Acting on a PR

    public func merge(_ number: Int, by caller: Caller) throws -> PullRequest {
        var pr = try openPullRequest(number)
        try authorize(caller, for: pr, action: "merge")
        try forge.sync()
        try merge(&pr, by: caller)
        return pr
    }

    /// An operator's approval; the PR merges at once when its checks are green.
    public func approve(_ number: Int, by name: String) throws -> PullRequest {
        var pr = try openPullRequest(number)
        pr.approvedBy = name
        pr.updatedAt = now()
        pr.comments.append(.init(author: name, body: "approved", at: pr.updatedAt))
        try save(&pr)
        try forge.sync()
        try refresh(&pr)
        if pr.isGreen { try merge(&pr, by: .operator) }
        return pr
    }

    /// An owner's approval of another wallet's change to its prims (a paid call); the PR merges
    /// at once when nothing else waits.
    public func approve(_ number: Int, owner wallet: String) throws -> PullRequest {
        var pr = try openPullRequest(number)
        try authorizeApproval(number, owner: wallet)
        pr.ownerApprovals = (pr.ownerApprovals ?? []) + [wallet]
        pr.updatedAt = now()
        pr.comments.append(.init(author: wallet, body: "approved as the owner of \(pr.prims.joined(separator: ", "))", at: pr.updatedAt))
        try save(&pr)
        try forge.sync()
        try refresh(&pr)
        if pr.isGreen && !pr.needsApproval { try merge(&pr, by: .wallet(wallet)) }
        return pr
    }

    /// Why `wallet` may not approve PR `number` as an owner (free: checked before payment).
    public func authorizeApproval(_ number: Int, owner wallet: String) throws {
        let pr = try openPullRequest(number)
        guard (pr.awaitedOwners ?? []).contains(wallet) else {
            throw ServiceError(.forbidden, "\(wallet) owns none of the prims PR #\(number) waits on; only their owners (\((pr.awaitedOwners ?? []).joined(separator: ", ").isEmpty ? "none" : (pr.awaitedOwners ?? []).joined(separator: ", "))) or an operator may approve it", field: "number")
        }
        guard !(pr.ownerApprovals ?? []).contains(wallet) else {
            throw ServiceError(.conflict, "\(wallet) already approved PR #\(number)", field: "number")
        }
    }

    /// The price of merging or closing PR `number` (or approving it as an owner); with a caller,
    /// also whether it may. Checked before payment: a refusal costs nothing.
    public func price(of action: String, _ number: Int, by caller: Caller?) throws -> UInt64 {
        let pr = try openPullRequest(number)
        if let caller {
            try authorize(caller, for: pr, action: action)
            if action == "merge" {
                var current = pr
                try forge.sync()
                try refresh(&current)
                if current.needsApproval {
                    throw ServiceError(.forbidden, "PR #\(pr.number) needs approval first: \(approvalWaits(current))", field: "number")
                }
                if !current.isGreen {
                    let failed = current.checks.filter { $0.status == .failure }.map(\.name).joined(separator: ", ")
                    throw ServiceError(.conflict, "PR #\(pr.number) cannot merge: its checks failed (\(failed)); nothing was charged", field: "checks")
                }
            }
        }
        let prices = try loaded(try mainHead()).result.state.policy.prices
        switch action {
        case "merge": return prices.merge
        case "close": return prices.close
        default: return prices.approve
        }
    }

    /// What a PR waits for: the operator's reasons, and the owners that have not approved.
    func approvalWaits(_ pr: PullRequest) -> String {
        let owners = (pr.awaitedOwners ?? []).filter { !(pr.ownerApprovals ?? []).contains($0) }
        return (pr.approvalReasons + owners.map { "its owner \($0) approves (POST /v1/pr/\(pr.number)/approve, paid from that wallet)" })
            .joined(separator: "; ")
    }

    public func close(_ number: Int, by caller: Caller, comment: String? = nil) throws -> PullRequest {
        var pr = try openPullRequest(number)
        try authorize(caller, for: pr, action: "close")
        pr.state = .closed
        pr.updatedAt = now()
        pr.comments.append(.init(author: caller.name, body: comment ?? "closed", at: pr.updatedAt))
        try save(&pr)
        return pr
    }

    /// Re-runs checks of open PRs whose checks ran on an older main, and merges the ones
    /// policy lets merge on green. Returns how many were re-checked.
    @discardableResult
    public func refreshAll() throws -> Int {
        try forge.sync()
        var count = 0
        for number in pullRequests.keys.sorted() {
            guard var pr = pullRequests[number] else { continue }
            if pr.forgeProblem != nil { try save(&pr) }
            guard pr.state == .open else { continue }
            let before = pr.checks.first?.base
            try refresh(&pr)
            if pr.checks.first?.base != before { count += 1 }
            if pr.isGreen && !pr.needsApproval && pr.mergeProblem == nil { try? merge(&pr, by: .operator) }
        }
        return count
    }

    /// Closes open PRs with no activity for the policy's `stale_days`, with a comment. Returns their numbers.
    @discardableResult
    public func sweep() throws -> [Int] {
        let policy = (try? loaded(mainHead()).result.state.policy) ?? Policy()
        let cutoff = now().addingTimeInterval(-Double(policy.staleDays) * 86400)
        var closed: [Int] = []
        for number in pullRequests.keys.sorted() {
            guard var pr = pullRequests[number], pr.state == .open, pr.updatedAt < cutoff else { continue }
            pr.state = .closed
            pr.updatedAt = now()
            pr.comments.append(.init(author: "pr.sh", body: "closed: no activity for \(policy.staleDays) days; send the manifest again to reopen the change", at: pr.updatedAt))
            try save(&pr)
            closed.append(number)
        }
        return closed
    }

    // MARK: Internals

    func record(_ number: Int) throws -> PullRequest {
        guard let pr = pullRequests[number] else { throw ServiceError(.notFound, "there is no PR #\(number)", field: "number") }
        return pr
    }

    func openPullRequest(_ number: Int) throws -> PullRequest {
        let pr = try record(number)
        guard pr.state == .open else { throw ServiceError(.conflict, "PR #\(number) is \(pr.state.rawValue)", field: "number") }
        return pr
    }

    func authorize(_ caller: Caller, for pr: PullRequest, action: String) throws {
        guard case .wallet(let wallet) = caller, wallet != pr.author else { return }
        // An owner whose approval the PR waits for may decline it: that closes it.
        if action == "close", pr.isOwnersToDecline(wallet) { return }
        let decline = action == "close" && !(pr.awaitedOwners ?? []).isEmpty ? ", or an owner whose approval it waits for" : ""
        throw ServiceError(.forbidden, "only the wallet that opened PR #\(pr.number)\(decline) or an operator may \(action) it", field: "X-Wallet")
    }

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

    /// Why a change whose checks came out as `outcome` needs an operator: policy, risk rules,
    /// files left in a new prim's package folder, prims with no owner on record.
    func approvalReasons(_ outcome: Checks.Outcome, paths: [String], prims: [String]) -> [String] {
        PolicyGate.approvalReasons(paths: paths, prims: prims, base: outcome.base, head: outcome.head, policy: outcome.base.policy)
            + PackageFolders.reasons(outcome.leftovers)
            + PolicyGate.ownershipReasons(prims: prims, base: outcome.base)
    }

    /// Squashes the PR onto main as a fast-forward. When main moved, the manifest is laid over
    /// the new main (a file also changed there is a conflict, reported, never overwritten).
    func merge(_ pr: inout PullRequest, by caller: Caller) throws {
        for _ in 0..<3 {
            try refresh(&pr)
            let main = try mainHead()
            guard !pr.needsApproval else {
                throw ServiceError(.forbidden, "PR #\(pr.number) needs approval: \(approvalWaits(pr))", field: "number")
            }
            guard pr.isGreen else {
                let failed = pr.checks.filter { $0.status == .failure }.map { "\($0.name): \($0.summary)" }
                let waiting = pr.checks.filter { $0.status == .pending }.map { "\($0.name): \($0.summary)" }
                if failed.isEmpty {
                    throw ServiceError(.conflict, "PR #\(pr.number) cannot merge yet: checks are pending on main \(main.prefix(12)) (\(waiting.joined(separator: "; "))); pr.sh re-checks them and merges when they pass", field: "checks")
                }
                throw ServiceError(.conflict, "PR #\(pr.number) cannot merge: its checks failed on main \(main.prefix(12)) (\(failed.joined(separator: "; ")))", field: "checks")
            }
            var target = pr.head
            if main != pr.base {
                let manifest = try manifest(of: pr)
                let conflicts = try conflictingPaths(pr, manifest: manifest, main: main)
                guard conflicts.isEmpty else {
                    let problem = "\(conflicts.joined(separator: ", ")) changed on main since this PR was opened; send a new manifest based on the current files"
                    pr.mergeProblem = problem
                    pr.updatedAt = now()
                    pr.comments.append(.init(author: "pr.sh", body: "merge conflict: \(problem)", at: pr.updatedAt))
                    try save(&pr)
                    var error = ServiceError(.conflict, "PR #\(pr.number) conflicts with main: \(problem)", field: conflicts.first)
                    error.pullRequest = pr.number
                    throw error
                }
                target = try commit(manifest, onto: main, message: commitMessage(of: pr), wallet: pr.author, at: now())
            }
            do {
                try forge.fastForward(configuration.branch, from: main, to: target)
            } catch GitRepository.RefRefusal.moved {
                continue
            }
            if let last = lastHead, last.base == main, last.hash == (try? manifest(of: pr).contentHash) { remember(last.state, for: target) }
            pr.state = .merged
            pr.mergedCommit = target
            pr.mergeProblem = nil
            pr.updatedAt = now()
            pr.comments.append(.init(author: caller.name, body: "merged as \(target.prefix(12))", at: pr.updatedAt))
            if configuration.primd != nil {
                pr.deployment = Deployment(state: .pending, revision: target, message: "merged; waiting for primd to apply \(target.prefix(12))",
                                           updatedAt: pr.updatedAt)
            }
            try save(&pr)
            onMerge(target)
            return
        }
        throw ServiceError(.conflict, "main kept moving while PR #\(pr.number) was merging; try again", field: "number")
    }

    /// The files an open PR writes that differ from main: what it really changes (files it
    /// sends unchanged do not count against other PRs).
    func changedPaths(of pr: PullRequest, main: String) throws -> Set<String> {
        Set(try pr.paths.filter { try repository.file($0, at: pr.head) != repository.file($0, at: main) })
    }

    /// The PR's files that changed on main since its base, to something other than what the PR
    /// writes; and files main now holds as a folder, or under a name main now holds as a file
    /// (writing them would drop one or the other).
    func conflictingPaths(_ pr: PullRequest, manifest: Manifest, main: String) throws -> [String] {
        var conflicts: [String] = []
        for file in manifest.files {
            let before = try repository.file(file.path, at: pr.base)
            let now = try repository.file(file.path, at: main)
            let parts = file.path.split(separator: "/")
            let prefixes = (1..<max(1, parts.count)).map { parts.prefix($0).joined(separator: "/") }
            if before != now, now != Array(file.content.utf8) {
                conflicts.append(file.path)
            } else if try repository.entryKind(file.path, at: main) == .directory
                        || prefixes.contains(where: { try repository.entryKind($0, at: main) == .file }) {
                conflicts.append(file.path)
            }
        }
        return conflicts
    }

    func manifest(of pr: PullRequest) throws -> Manifest {
        let files = try pr.paths.map { path in
            Manifest.File(path: path, content: String(decoding: try repository.file(path, at: pr.head) ?? [], as: UTF8.self))
        }
        return Manifest(title: pr.title, body: pr.body, files: files, labels: pr.labels)
    }

    func commit(_ manifest: Manifest, onto parent: String, message: String, wallet: String, at time: Date) throws -> String {
        let files = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, Array($0.content.utf8)) })
        let signer = configuration.signer
        return try repository.commit(files: files, parent: parent, message: message,
                                     author: .init(name: wallet, email: "\(wallet)@wallet.prim.sh"),
                                     committer: configuration.committer, at: time,
                                     sign: signer.map { signer in { try signer.sign($0) } })
    }

    /// The owner records of the prims a manifest creates (prims not on main), as repository paths.
    func ownerPaths(createdBy manifest: Manifest, base: DesiredState) -> [String] {
        createdPrims(manifest, base: base).map { ManifestCheck.join(configuration.statePath, "\(PrimOwner.folder)/\($0).yaml") }
    }

    /// The prims a manifest's own prim files would create (for claims and conflicts, before its
    /// checks run): `prims/<id>.yaml`, and `packages/<id>/prim.yaml` only where the state is in
    /// upstream's layout (elsewhere that file declares nothing).
    func createdPrims(_ manifest: Manifest, base: DesiredState) -> [String] {
        let paths = statePaths(manifest.files.map(\.path))
        let upstream = base.layout == .upstream || paths.contains("primitives.yaml")
        return paths.compactMap { path -> String? in
            let parts = path.split(separator: "/").map(String.init)
            if parts.count == 2, parts[0] == "prims" { return PolicyGate.stem(parts[1]) }
            if upstream, parts.count == 3, parts[0] == "packages", parts[2] == "prim.yaml" { return parts[1] }
            return nil
        }.filter { base.prim($0) == nil }
    }

    func commitMessage(_ manifest: Manifest, number: Int, wallet: String) -> String {
        var message = manifest.title + "\n"
        if !manifest.body.isEmpty { message += "\n" + manifest.body + "\n" }
        return message + "\nPR: #\(number)\nWallet: \(wallet)\n"
    }

    func commitMessage(of pr: PullRequest) -> String {
        commitMessage(Manifest(title: pr.title, body: pr.body, files: []), number: pr.number, wallet: pr.author)
    }

    /// `agent/<prim-id>-<UTC timestamp>`, with a counter when two land in the same second.
    func createBranch(prims: [String], at commit: String, time: Date) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        // A prim id from a package folder's name may hold what a ref name cannot (`..`, `@{`, `:`).
        let prim = String((prims.first ?? "state").map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
        let stem = "agent/\(prim)-\(formatter.string(from: time))"
        for attempt in 1...100 {
            let name = attempt == 1 ? stem : "\(stem)-\(attempt)"
            do {
                try forge.createBranch(name, at: commit)
                return name
            } catch GitRepository.RefRefusal.exists {
                continue
            }
        }
        throw ServiceError(.internalError, "cannot find a free branch name near \(stem)")
    }

    func mainHead() throws -> String {
        guard let head = try repository.branchHead(configuration.branch) else {
            throw ServiceError(.internalError, "the repository has no branch '\(configuration.branch)'")
        }
        return head
    }

    func loaded(_ commit: String) throws -> LoadedState {
        if let hit = states[commit] { return hit }
        let snapshot = try repository.snapshot(revision: commit, subpath: configuration.statePath).0
        let state = LoadedState(snapshot: snapshot, result: StateLoader.load(snapshot))
        remember(state, for: commit)
        return state
    }

    func remember(_ state: LoadedState, for commit: String) {
        states[commit] = state
        stateOrder.removeAll { $0 == commit }
        stateOrder.append(commit)
        while stateOrder.count > 4 { states[stateOrder.removeFirst()] = nil }
    }

    func checks(_ manifest: Manifest, on main: String, at time: Date) throws -> Checks.Outcome {
        var outcome = try Checks.run(manifest, on: main, loaded: try loaded(main), repository: repository,
                                     statePath: configuration.statePath, at: time)
        lastHead = (main, manifest.contentHash, outcome.loadedHead)
        if let head = outcome.head, let check = try promotion(manifest, head: head, base: outcome.base, main: main, at: time) {
            outcome.checks.append(check)
        }
        return outcome
    }

    /// The `promotion` check when the change makes a prim `live` that is not live on main; nil otherwise.
    func promotion(_ manifest: Manifest, head: DesiredState, base: DesiredState, main: String, at time: Date) throws -> Check? {
        let promoted = Promotion.promoted(base: base, head: head)
        guard !promoted.isEmpty else { return nil }
        let source = CachedSourceTree(OverlaySourceTree(base: GitSourceTree(repository: repository, commit: main, subpath: configuration.statePath),
                                                        files: Checks.overlay(manifest, statePath: configuration.statePath)))
        let candidates = try promoted.map { id -> Promotion.Candidate in
            let prim = head.prim(id)!
            let host = head.host(for: prim) ?? Host.implicit()
            let release = try ReleaseManifest.of(prim: id, shared: host.shared, in: source)
            return Promotion.Candidate(prim: id, code: PrimIdentity.digest(of: prim, release: release, in: head))
        }
        return Promotion.check(candidates, report: configuration.primd?.report() ?? .notConfigured,
                               minutes: base.policy.minTestingMinutes, now: time, base: main)
    }

    // MARK: Following deployments

    /// Reads primd's status once and updates the deployment of every merged PR still followed;
    /// a change of state is a comment on the PR (and a commit status on the forge). Returns the
    /// PRs whose deployment changed.
    @discardableResult
    public func followDeployments() throws -> [Int] {
        guard let primd = configuration.primd else { return [] }
        let time = now()
        let followed = pullRequests.values.filter { pr in
            pr.state == .merged && pr.mergedCommit != nil && !(pr.deployment?.state.isFinal ?? false)
                && time.timeIntervalSince(pr.updatedAt) < configuration.followSeconds + 3600
        }.sorted { $0.number < $1.number }
        guard !followed.isEmpty else { return [] }
        guard case .status(let status) = primd.report() else { return [] }
        var changed: [Int] = []
        for var pr in followed {
            let commit = pr.mergedCommit!
            let deployment = Deployment.derive(revision: commit, prims: pr.prims, from: status, covers: { [repository] applied in
                applied == commit || ((try? repository.isAncestor(commit, of: applied)) ?? false)
            }, at: time)
            let before = pr.deployment
            guard before?.state != deployment.state || before?.message != deployment.message || before?.prims != deployment.prims else { continue }
            pr.deployment = deployment
            if before?.state != deployment.state {
                pr.comments.append(.init(author: "pr.sh", body: deployment.summary, at: time))
            }
            try save(&pr)
            changed.append(pr.number)
        }
        return changed
    }

    func statePaths(_ paths: [String]) -> [String] {
        paths.compactMap { ManifestCheck.stateRelative($0, statePath: configuration.statePath) }
    }

    /// Mirrors the PR on the forge, then keeps the record (with the forge's link). A forge that
    /// cannot be reached is noted on the PR and retried by `refreshAll`; the record is never lost.
    func save(_ pr: inout PullRequest) throws {
        do {
            try forge.publish(&pr, previous: pullRequests[pr.number])
            pr.forgeProblem = nil
        } catch {
            pr.forgeProblem = "\(error)"
        }
        try store.save(pr)
        pullRequests[pr.number] = pr
    }
}

extension PRService.Caller {
    var name: String {
        switch self {
        case .wallet(let wallet): return wallet
        case .operator: return "operator"
        }
    }
}
