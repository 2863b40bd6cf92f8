/// Everything a state tree declares, after loading.
public struct DesiredState: Sendable {
    public var prims: [Prim]
    public var hosts: [Host]
    public var secrets: [SecretSpec]
    public var zones: [DNSZone]
    public var providers: [ProviderSpec]
    public var policy: Policy
    /// Prim owners pr.sh recorded (`owners/<prim>.yaml`); a prim with none is the operator's.
    public var owners: [PrimOwner] = []
    /// `state` for the state-root layout, `upstream` for primitives.yaml + packages/.
    public var layout: Layout

    public enum Layout: String, Sendable, Codable { case stateRoot = "state-root", upstream }

    public init(
        prims: [Prim] = [], hosts: [Host] = [], secrets: [SecretSpec] = [], zones: [DNSZone] = [],
        providers: [ProviderSpec] = [], policy: Policy = Policy(), layout: Layout = .stateRoot
    ) {
        self.prims = prims
        self.hosts = hosts
        self.secrets = secrets
        self.zones = zones
        self.providers = providers
        self.policy = policy
        self.layout = layout
    }

    public func prim(_ id: String) -> Prim? { prims.first { $0.id == id } }
    /// The wallet that owns a prim, nil for the operator's prims.
    public func owner(of prim: String) -> String? { owners.first { $0.prim == prim }?.wallet }

    /// The name of a prim's persistent directory: its id, and for a prim an agent owns, the first
    /// eight hex digits of the owner's wallet too. A prim removed and created again under the same
    /// id by another wallet does not get the first one's data; its owner creating it again does.
    public func stateName(of prim: String) -> String {
        owner(of: prim).map { "\(prim)-\($0.dropFirst(2).prefix(8))" } ?? prim
    }
    public func host(named name: String) -> Host? { hosts.first { $0.name == name } }

    /// The host a prim runs on: its `deploy.host`, or the only host, or the implicit one.
    public func host(for prim: Prim) -> Host? {
        if let name = prim.deploy.host { return host(named: name) }
        if hosts.isEmpty { return Host.implicit() }
        return hosts.count == 1 ? hosts[0] : nil
    }

    /// The deployed prims placed on a host.
    public func deployedPrims(on host: Host) -> [Prim] {
        prims.filter { $0.isDeployed && self.host(for: $0)?.name == host.name }
    }

    /// The secrets given to a prim.
    public func secrets(for prim: Prim) -> [SecretSpec] {
        secrets.filter { $0.isGiven(to: prim.id) }
    }
}
