/// How a prim's resources are named on a host, in one place.
public enum ResourceNames {
    public static func unit(_ id: String) -> ResourceAddress { ResourceAddress(.unit, "prim-\(id).service") }
    /// The unit a live prim's new version is tried in, side by side, before it replaces the running one.
    public static func candidateUnit(_ id: String) -> String { "prim-\(id)-candidate.service" }
    public static func envFile(_ id: String) -> ResourceAddress { ResourceAddress(.envFile, "\(id).env") }
    public static func fragment(_ id: String) -> ResourceAddress { ResourceAddress(.caddyFragment, "\(id).caddy") }
    public static let caddyConfig = ResourceAddress(.caddyConfig, "caddy")
    /// A release is named by its prim and content: a new content is a new release.
    public static func release(_ id: String, digest: String) -> ResourceAddress { ResourceAddress(.release, "\(id)-\(digest.prefix(16))") }

    /// The prim a resource name belongs to, if it follows prim's naming.
    public static func prim(of address: ResourceAddress) -> String? {
        switch address.kind {
        case .unit:
            guard address.name.hasPrefix("prim-"), address.name.hasSuffix(".service") else { return nil }
            return String(address.name.dropFirst(5).dropLast(8))
        case .envFile: return address.name.hasSuffix(".env") ? String(address.name.dropLast(4)) : nil
        case .caddyFragment: return address.name.hasSuffix(".caddy") ? String(address.name.dropLast(6)) : nil
        case .release:
            guard let dash = address.name.lastIndex(of: "-") else { return nil }
            return String(address.name[..<dash])
        case .caddyConfig: return nil
        }
    }

    /// The first line of every file prim writes; a file without it is not prim's.
    public static let ownershipMarker = "# Managed by prim"
}
