import PrimModel

/// The kinds of resource prim converges on a host, in apply order.
public enum ResourceKind: String, Sendable, Codable, CaseIterable, Comparable {
    case envFile = "env_file"
    case release
    case unit
    case caddyFragment = "caddy_fragment"
    case caddyConfig = "caddy_config"

    /// Apply phase: env → releases → unit files → Caddy routes → Caddy load.
    public var phase: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: Self, b: Self) -> Bool { a.phase < b.phase }
}

/// A resource's identity: its kind and name (`unit prim-search.service`).
public struct ResourceAddress: Sendable, Hashable, Codable, Comparable {
    public var kind: ResourceKind
    public var name: String

    public init(_ kind: ResourceKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (a: Self, b: Self) -> Bool { (a.kind, a.name) < (b.kind, b.name) }
}

/// What the state asks for one resource: its full content, rendered.
public struct DesiredResource: Sendable, Equatable {
    public var address: ResourceAddress
    public var prim: String?
    /// Where the resource lives (a file path), for display.
    public var path: String
    /// The full content. For sensitive resources it is never rendered.
    public var content: String
    public var sensitive: Bool
    /// Names shown instead of the content of a sensitive resource (env keys).
    public var keys: [String]
    /// For units: whether the unit should be running (status hold: no).
    public var running: Bool

    public init(address: ResourceAddress, prim: String?, path: String, content: String,
                sensitive: Bool = false, keys: [String] = [], running: Bool = true) {
        self.address = address
        self.prim = prim
        self.path = path
        self.content = content
        self.sensitive = sensitive
        self.keys = keys
        self.running = running
    }

    public var digest: String { Digest.sha256(content) }
}

/// What is live for one resource.
public struct ObservedResource: Sendable, Equatable {
    public var address: ResourceAddress
    /// Where it lives (a file path).
    public var path: String
    /// The content, for resources that are not sensitive.
    public var content: String?
    public var digest: String
    /// Whether prim's ownership marker is on it; unowned resources are never changed.
    public var owned: Bool
    /// For units: what the manager says.
    public var runtime: UnitRuntime?

    public init(address: ResourceAddress, path: String? = nil, content: String?, digest: String, owned: Bool = true, runtime: UnitRuntime? = nil) {
        self.address = address
        self.path = path ?? address.name
        self.content = content
        self.digest = digest
        self.owned = owned
        self.runtime = runtime
    }
}


/// Everything observed on a host.
public struct ObservedState: Sendable {
    public var resources: [ResourceAddress: ObservedResource]
    /// Site addresses in Caddy's running config; nil when Caddy could not be asked.
    public var caddySites: Set<String>?

    /// Processes outside prim's units that listen on a port a prim declares, by port.
    public var squatters: [Int: [PortHolder]]

    public init(resources: [ObservedResource] = [], caddySites: Set<String>? = nil, squatters: [Int: [PortHolder]] = [:]) {
        self.resources = Dictionary(resources.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        self.caddySites = caddySites
        self.squatters = squatters
    }
}
