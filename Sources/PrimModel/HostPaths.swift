/// Where primd and primctl keep their own files on a host: the data dir (`data_dir`,
/// `/var/lib/prim`). Every file and folder below it is named here, once.
public struct HostPaths: Sendable, Equatable {
    public let dataDir: String

    public init(dataDir: String) {
        self.dataDir = dataDir
    }

    func path(_ name: String) -> String { "\(dataDir)/\(name)" }

    /// The apply lock: one apply (primctl or primd) or `primctl suspend` at a time.
    public var lock: String { path("lock") }
    /// primd's last published status.
    public var status: String { path("status.json") }
    /// The commit primd is attempting, so a death in it is known at the next start.
    public var attempt: String { path("attempt.json") }
    /// The running apply's journal: what an interrupted apply resumes from.
    public var journal: String { path("journal.jsonl") }
    /// What prim created on this host (owned resources).
    public var inventory: String { path("inventory.json") }
    /// Present while the operator has suspended primd.
    public var suspended: String { path("suspended") }
    /// One record per apply (`primctl history`).
    public var generations: String { path("generations") }
    /// The state trees generations point at, for rollback.
    public var archives: String { path("archives") }
    /// Repositories read by primctl (`--repo`) and primd's mirror.
    public var cache: String { path("cache") }
    /// primd's bare mirror of the watched repository.
    public var primdMirror: String { "\(cache)/primd" }
    /// The key version names are derived with.
    public var versionKey: String { path("version.key") }
    /// The host's secret store: one file per secret.
    public var secrets: String { path("secrets") }
    public func secret(_ name: String) -> String { "\(secrets)/\(name)" }
    /// Materialised releases: one folder per prim.
    public var releases: String { path("releases") }
    public func release(_ prim: String) -> String { "\(releases)/\(prim)" }
    /// Each running version's link to its release.
    public var versions: String { path("versions") }
    public func version(_ link: String) -> String { "\(versions)/\(link)" }
    /// Where a prim's unit sees its version's release (the rest of the data dir is hidden from it).
    public var releaseMount: String { path("release") }
    /// When primd last read a paid DNS provider's records for drift.
    public var dnsDriftRead: String { path("dns-drift-read") }
    /// The digest of the certificates Caddy read at its last load (`CaddyObserver.certificatesDigest`).
    public var caddyCertificates: String { path("caddy-certificates") }
    /// When this host first saw each departing prim's record taken by the host it moves to.
    public var departures: String { path("departures.json") }
    /// Paid DNS writes whose outcome is not known yet.
    public var dnsUnconfirmed: String { path("dns-unconfirmed.json") }
}

extension HostConfig {
    /// The data dir's layout.
    public var paths: HostPaths { HostPaths(dataDir: dataDir) }
}

/// pr.sh's data dir: its lock, PR records, wallet ledger, payment journal and forge cache.
public struct PrshPaths: Sendable, Equatable {
    public let dataDir: String

    public init(dataDir: String) {
        self.dataDir = dataDir
    }

    /// One pr.sh per data dir.
    public var lock: String { "\(dataDir)/lock" }
    /// One record per PR: `prs/<n>.json`.
    public var pullRequests: String { "\(dataDir)/prs" }
    public func pullRequest(_ number: Int) -> String { "\(pullRequests)/\(number).json" }
    /// Flood control's counters per wallet.
    public var wallets: String { "\(dataDir)/wallets.json" }
    /// Payments between settlement and work.
    public var payments: String { "\(dataDir)/payments.jsonl" }
    /// The GitHub forge's clone.
    public var githubCache: String { "\(dataDir)/github.git" }
}
