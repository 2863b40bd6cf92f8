import PrimModel

/// A kind of resource prim converges on a host (`unit`, `env_file`, `dns_record`…). Kinds are
/// open: each is declared by the reconciler that manages it, and its place in the apply order is
/// that reconciler's (`KindPlanner.createOrder`), not the kind's.
public struct ResourceKind: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
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

    /// The address as plans, events, logs, the journal and the inventory spell it:
    /// `<kind>.<name>` (`unit.prim-search@.service`).
    public var key: String { "\(kind.rawValue).\(name)" }
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
    /// Settings a kind reads when it compares (a DNS record: take over a foreign one).
    public var attributes: [String: String]
    /// For sensitive resources: where each key's value comes from (never the value).
    public var sources: [String: ValueSource]

    public init(
        address: ResourceAddress, prim: String?, path: String, content: String,
        sensitive: Bool = false, keys: [String] = [], running: Bool = true, attributes: [String: String] = [:],
        sources: [String: ValueSource] = [:]
    ) {
        self.address = address
        self.prim = prim
        self.path = path
        self.content = content
        self.sensitive = sensitive
        self.keys = keys
        self.running = running
        self.attributes = attributes
        self.sources = sources
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
    /// The prim it belongs to, when its name says so.
    public var prim: String?
    /// Names the resource serves (the sites of Caddy's running config).
    public var keys: [String]
    /// Facts a kind keeps about the live resource (a DNS record's provider id and marker).
    public var attributes: [String: String]

    public init(
        address: ResourceAddress, path: String? = nil, content: String?, digest: String, owned: Bool = true,
        runtime: UnitRuntime? = nil,
        prim: String? = nil, keys: [String] = [], attributes: [String: String] = [:]
    ) {
        self.address = address
        self.path = path ?? address.name
        self.content = content
        self.digest = digest
        self.owned = owned
        self.runtime = runtime
        self.prim = prim
        self.keys = keys
        self.attributes = attributes
    }
}

/// Everything observed on a host.
public struct ObservedState: Sendable {
    public var resources: [ResourceAddress: ObservedResource]

    /// Processes outside prim's units that listen on a port a prim declares, by port.
    public var squatters: [Int: [PortHolder]]

    public init(resources: [ObservedResource] = [], squatters: [Int: [PortHolder]] = [:]) {
        self.resources = Dictionary(resources.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        self.squatters = squatters
    }

    /// The observed resources of one kind.
    public func of(_ kind: ResourceKind) -> [ObservedResource] { resources.values.filter { $0.address.kind == kind } }
}
