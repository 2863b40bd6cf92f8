import PrimYAML

/// A secret: which prims get it, and where its value comes from.
public struct SecretSpec: Sendable, Hashable {
    public var name: String
    public var file: String
    public var mark: Mark
    public var prims: [String]
    /// An age-encrypted value, armored; nil when the value lives only on the host.
    public var encrypted: String?
    public var description: String?
    /// Where each entry of `prims` is written.
    public var primMarks: [String: Mark] = [:]

    public static let keys = ["name", "prims", "encrypted", "external", "description"]

    public func markOfPrim(_ id: String) -> Mark { primMarks[id] ?? mark }

    public func isGiven(to prim: String) -> Bool { prims.contains(prim) || prims.contains("*") }
}

/// Who owns a prim: the wallet whose paid PR created it. pr.sh writes `owners/<prim>.yaml` in
/// the merge commit; agents cannot write there, so every host and pr.sh read the same owner.
public struct PrimOwner: Sendable, Hashable {
    public var prim: String
    /// Lower-case `0x` and 40 hex digits.
    public var wallet: String
    /// The PR that created the prim.
    public var pullRequest: Int?
    public var file: String
    public var mark: Mark

    public init(prim: String, wallet: String, pullRequest: Int?, file: String, mark: Mark) {
        self.prim = prim
        self.wallet = wallet
        self.pullRequest = pullRequest
        self.file = file
        self.mark = mark
    }

    public static let keys = ["wallet", "pr"]
    /// The folder, relative to the state root.
    public static let folder = StateLayout.Folder.owners.rawValue
}

/// A DNS zone: who serves it, and records beyond the ones derived from prims.
public struct DNSZone: Sendable, Hashable {
    public var zone: String
    public var file: String
    public var mark: Mark
    public var provider: String
    public var records: [Record]

    /// The TTL of records that set none (`ttl:` of the zone file, else 300).
    public var ttl: Int = 300
    public var ttlMark: Mark?

    public struct Record: Sendable, Hashable {
        public var name: String
        public var type: String
        public var content: String
        public var ttl: Int
        /// Where the record and its fields are written.
        public var mark: Mark = .start
        public var fieldMarks: [String: Mark] = [:]

        public func mark(of field: String) -> Mark { fieldMarks[field] ?? mark }
    }

    public static let keys = ["zone", "provider", "records", "ttl"]
    public static let recordKeys = ["name", "type", "content", "ttl"]
    public static let recordTypes = ["A", "AAAA", "CNAME", "TXT", "MX", "CAA", "NS", "SRV"]

    /// The zone's own name, lower-case, without a trailing dot.
    public var apex: String { zone.lowercased().trimmingTrailingDot }

    /// A record's name as a full name without trailing dot: `@` is the apex, a name ending in
    /// `.` is absolute, a name ending in the zone is taken as written, anything else is relative.
    public func absolute(_ name: String) -> String {
        let lower = name.lowercased()
        if lower == "@" || lower.isEmpty { return apex }
        if lower.hasSuffix(".") { return lower.trimmingTrailingDot }
        if lower == apex || lower.hasSuffix("." + apex) { return lower }
        return "\(lower).\(apex)"
    }

    /// The names its records point at (CNAME, NS, MX and SRV targets, in this zone or any), by name:
    /// whoever answers on one of them receives what the record sends there.
    public var targets: [String: Record] {
        var found: [String: Record] = [:]
        for record in records {
            let fields = record.content.split(separator: " ").map(String.init)
            let target: String?
            switch record.type {
            case "CNAME", "NS": target = fields.first
            case "MX": target = fields.count == 2 ? fields[1] : nil
            case "SRV": target = fields.count == 4 ? fields[3] : nil
            default: target = nil
            }
            guard let target else { continue }
            let name = target.lowercased().trimmingTrailingDot
            if found[name] == nil { found[name] = record }
        }
        return found
    }

    /// Whether a full name lies in this zone.
    public func contains(_ name: String) -> Bool {
        let name = name.lowercased().trimmingTrailingDot
        return name == apex || name.hasSuffix("." + apex)
    }
}

extension DesiredState {
    /// The declared zone a full name lies in: the one with the longest apex.
    public func zone(containing name: String) -> DNSZone? {
        zones.filter { $0.contains(name) }.max { $0.apex.count < $1.apex.count }
    }
}

extension String {
    var trimmingTrailingDot: String { hasSuffix(".") ? String(dropLast()) : self }
}

/// An outside service prims use, and the env keys it needs.
public struct ProviderSpec: Sendable, Hashable {
    public var name: String
    public var file: String
    public var mark: Mark
    public var env: [String]
    public var docs: String?

    public static let keys = ["name", "env", "docs", "description"]
}

/// What agents may change through pr.sh, and how their changes merge. Path patterns are
/// relative to the state root (`prims/*.yaml` is `state/prims/*.yaml` when the state lives
/// in `state/`); `*` stays within a folder, `**` crosses folders.
public struct Policy: Sendable, Hashable {
    public var agentPaths: [String] = [
        StateLayout.Folder.prims.pattern, StateLayout.Folder.providers.pattern, StateLayout.Folder.secrets.pattern,
        StateLayout.packagesPattern,
    ]
    /// Changes here always need an operator's approval (as do `policy.yaml` and `hosts/`).
    public var protectedPaths: [String] = [StateLayout.policy, "\(StateLayout.Folder.hosts.rawValue)/**"]
    public var autoMergeNewPrims = true
    public var autoMergeNonLive = true
    public var perHour = 10
    public var perDay = 50
    public var cooldownAfterRed = 3
    public var staleDays = 7
    /// What pr.sh charges per action, in atomic USDC units (x402). Reads are free.
    public var prices = Prices()
    /// How long a `testing` prim's release must pass conformance, without a failure, before a PR
    /// may make it `live` (pr.sh's `promotion` check).
    public var minTestingMinutes = 10
    /// Whether the state has a `policy.yaml`. Without one, pr.sh merges nothing unattended: the
    /// defaults above describe what agents may send, never a consent to merge it.
    public var isDeclared = false

    public init() {}

    public static let keys = [
        "agent_paths", "protected_paths", "auto_merge", "rate_limits", "cooldown_after_red", "stale_days", "prices",
        "promotion",
    ]
    public static let promotionKeys = ["min_testing_minutes"]
    public static let autoMergeKeys = ["new_prims", "non_live"]
    public static let rateKeys = ["per_hour", "per_day"]

    /// pr.sh's paid actions. Never zero: the payment is the proof of who calls.
    public struct Prices: Sendable, Hashable {
        /// `POST /v1/pr`: about $0.05 a PR is the economic rate limit.
        public var open: UInt64 = 50000
        public var merge: UInt64 = 10000
        public var close: UInt64 = 10000
        /// An owner's approval of another wallet's change to its prim.
        public var approve: UInt64 = 10000

        public init() {}

        public static let keys = PRAction.allCases.map(\.rawValue)

        /// What `action` costs.
        public subscript(action: PRAction) -> UInt64 {
            get {
                switch action {
                case .open: return open
                case .merge: return merge
                case .close: return close
                case .approve: return approve
                }
            }
            set {
                switch action {
                case .open: open = newValue
                case .merge: merge = newValue
                case .close: close = newValue
                case .approve: approve = newValue
                }
            }
        }
    }
}

/// pr.sh's paid actions: the policy's `prices:` keys and the paths `POST /v1/pr[/<n>/<action>]`.
public enum PRAction: String, CaseIterable, Sendable {
    case open, merge, close, approve
}
