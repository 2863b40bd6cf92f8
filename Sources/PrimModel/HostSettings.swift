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
public typealias DNSProviderName = TypedName<DNSProviders>
public enum DNSProviders {}

extension DNSProviderName where Set == DNSProviders {
    /// PowerDNS's HTTP API.
    public static var powerdns: Self { Self(rawValue: "powerdns") }
    /// domain.sh, paid with x402.
    public static var domainsh: Self { Self(rawValue: "domainsh") }
    /// The providers prim drives itself.
    public static var builtIn: [Self] { [.powerdns, .domainsh] }
}
