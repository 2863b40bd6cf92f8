import PrimModel

/// The kinds the desired-state code renders for every deployed prim. Their reconcilers live in
/// `reconcilers/`; a kind rendered elsewhere (DNS records) is declared beside its reconciler.
extension ResourceKind {
    public static let envFile = ResourceKind("env_file")
    public static let release = ResourceKind("release")
    public static let unit = ResourceKind("unit")
    public static let caddyFragment = ResourceKind("caddy_fragment")
    public static let caddyConfig = ResourceKind("caddy_config")
    /// A certificate prim obtains by ACME (`tls.certificates`); Caddy loads it again when it changes.
    public static let certificate = ResourceKind("certificate")
}

/// How a prim's resources are named on a host, in one place.
///
/// A prim's unit settings are one template, `prim-<id>@.service`; each version of the prim runs as
/// an instance of it named by the version's digest, `prim-<id>@<version>.service`, which reads its
/// env from `<env dir>/<id>@<version>.env` and its release through `<data dir>/versions/<id>@<version>`.
public enum ResourceNames {
    /// The prim's template unit: the unit resource the plan shows.
    public static func unit(_ id: String) -> ResourceAddress { ResourceAddress(.unit, UnitName.template(id)) }
    /// One version of the prim, running.
    public static func instance(_ id: String, version: String) -> String { UnitName.instance(id, version: version) }
    /// The glob that matches every version of a prim (every prim's, with `*`).
    public static func instances(_ id: String) -> String { UnitName.instances(id) }
    /// The unit of a prim deployed before versions ran as instances: its template's hand-over replaces it.
    public static func legacyUnit(_ id: String) -> ResourceAddress { ResourceAddress(.unit, UnitName.legacy(id)) }
    /// A version's env file, in the env directory: the prim's env with the version's port.
    public static func versionEnvFile(_ id: String, version: String) -> String { "\(id)@\(version).env" }
    /// A version's link to its release, in `<data dir>/versions`.
    public static func versionLink(_ id: String, version: String) -> String { "\(id)@\(version)" }
    public static func envFile(_ id: String) -> ResourceAddress { ResourceAddress(.envFile, "\(id).env") }
    public static func fragment(_ id: String) -> ResourceAddress { ResourceAddress(.caddyFragment, "\(id).caddy") }
    public static let caddyConfig = ResourceAddress(.caddyConfig, "caddy")
    /// A release is named by its prim and content: a new content is a new release.
    public static func release(_ id: String, digest: String) -> ResourceAddress {
        ResourceAddress(.release, "\(id)-\(digest.prefix(16))")
    }

    /// The prim a unit name belongs to: its template, a version of it, or a unit of before versions.
    public static func prim(ofUnit name: String) -> String? {
        guard name.hasPrefix("prim-"), name.hasSuffix(".service") else { return nil }
        let stem = name.dropFirst(5).dropLast(8)
        return String(stem.firstIndex(of: "@").map { stem[..<$0] } ?? stem)
    }

    /// The version an instance name runs (`prim-<id>@<version>.service`); nil for a template or another unit.
    public static func version(ofUnit name: String) -> String? {
        guard name.hasPrefix("prim-"), name.hasSuffix(".service"), let at = name.firstIndex(of: "@") else { return nil }
        let version = name[name.index(after: at)...].dropLast(8)
        return version.isEmpty ? nil : String(version)
    }

    /// Whether a unit name is a prim's template (`prim-<id>@.service`).
    public static func isTemplate(_ name: String) -> Bool { UnitName.isTemplate(name) }

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
