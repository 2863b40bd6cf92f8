/// The kinds the desired-state code renders for every deployed prim. Their reconcilers live in
/// `reconcilers/`; a kind rendered elsewhere (DNS records) is declared beside its reconciler.
extension ResourceKind {
    public static let envFile = ResourceKind("env_file")
    public static let release = ResourceKind("release")
    public static let unit = ResourceKind("unit")
    public static let caddyFragment = ResourceKind("caddy_fragment")
    public static let caddyConfig = ResourceKind("caddy_config")
}

/// How a prim's resources are named on a host, in one place.
public enum ResourceNames {
    public static func unit(_ id: String) -> ResourceAddress { ResourceAddress(.unit, "prim-\(id).service") }
    /// The unit a live prim's new version is tried in, side by side, before it replaces the running one.
    public static func candidateUnit(_ id: String) -> String { "prim-\(id)-candidate.service" }
    /// The candidate's env file, a hidden file beside the prim's own.
    public static func candidateEnvFile(_ id: String) -> String { ".\(id).candidate" }
    public static func envFile(_ id: String) -> ResourceAddress { ResourceAddress(.envFile, "\(id).env") }
    public static func fragment(_ id: String) -> ResourceAddress { ResourceAddress(.caddyFragment, "\(id).caddy") }
    public static let caddyConfig = ResourceAddress(.caddyConfig, "caddy")
    /// A release is named by its prim and content: a new content is a new release.
    public static func release(_ id: String, digest: String) -> ResourceAddress { ResourceAddress(.release, "\(id)-\(digest.prefix(16))") }

    /// The prim a unit file name belongs to (`prim-<id>.service`).
    public static func prim(ofUnit name: String) -> String? {
        guard name.hasPrefix("prim-"), name.hasSuffix(".service") else { return nil }
        return String(name.dropFirst(5).dropLast(8))
    }

    /// The prim of a file named `<id><suffix>` (`search.env`, `search.caddy`).
    public static func prim(ofFile name: String, suffix: String) -> String? {
        name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : nil
    }

    /// The prim of a release directory (`<id>-<digest>`).
    public static func prim(ofRelease name: String) -> String? {
        name.lastIndex(of: "-").map { String(name[..<$0]) }
    }

    /// The first line of every file prim writes; a file without it is not prim's.
    public static let ownershipMarker = "# Managed by prim"
}
