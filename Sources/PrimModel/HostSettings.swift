/// How Caddy serves prims: `https` (the default) on their bare host names, with certificates;
/// `http` as `http://<endpoint>` (a test machine with no certificates).
public enum CaddyScheme: String, Sendable, CaseIterable {
    case http, https
}

/// What primd does with drift: `repair` (self-heal) or `warn` (report only).
public enum DriftMode: String, Sendable, CaseIterable {
    case repair, warn
}

/// A DNS provider's name, as zones (`provider:`) and the host config (`dns.provider`) give it:
/// one of the built-in ones, or one declared in `providers/`.
public struct DNSProviderName: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// PowerDNS's HTTP API.
    public static let powerdns = DNSProviderName(rawValue: "powerdns")
    /// domain.sh, paid with x402.
    public static let domainsh = DNSProviderName(rawValue: "domainsh")
    /// The providers prim drives itself.
    public static let builtIn: [DNSProviderName] = [.powerdns, .domainsh]
}
