import Foundation
import PrimEngine
import PrimModel
import PrimPlan
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

        /// The resource kinds the plan check renders and plans with (PrimHost's `Kinds.registry`).
        public var kinds: KindRegistry

        public init(repository: String, dataDir: String, kinds: KindRegistry) {
            self.repository = repository
            self.dataDir = dataDir
            self.kinds = kinds
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
    var states = StateCache()
    var claims = ClaimBook()

    /// `forge` defaults to the local forge on `configuration.repository`.
    public init(
        _ configuration: Configuration, forge: Forge? = nil, now: @escaping @Sendable () -> Date = { Date() },
        onMerge: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
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

    func record(_ number: Int) throws -> PullRequest {
        guard let pr = pullRequests[number] else {
            throw ServiceError(.notFound, "there is no PR #\(number)", field: "number")
        }
        return pr
    }

    func openPullRequest(_ number: Int) throws -> PullRequest {
        let pr = try record(number)
        guard pr.state == .open else {
            throw ServiceError(.conflict, "PR #\(number) is \(pr.state.rawValue)", field: "number")
        }
        return pr
    }

    func authorize(_ caller: Caller, for pr: PullRequest, action: PRAction) throws {
        guard case .wallet(let wallet) = caller, wallet != pr.author else { return }
        // An owner whose approval the PR waits for may decline it: that closes it.
        if action == .close, pr.isOwnersToDecline(wallet) { return }
        let decline =
            action == .close && !(pr.awaitedOwners ?? []).isEmpty ? ", or an owner whose approval it waits for" : ""
        throw ServiceError(
            .forbidden,
            "only the wallet that opened PR #\(pr.number)\(decline) or an operator may \(action.rawValue) it",
            field: "X-Wallet")
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
