import PrimPlan

/// A version is named by the digest of what it runs: its template, its env (with the declared
/// port) and its release. Any change to one is a new version, but for the template's keys that
/// never restart a unit (`UnitComparison.neverRestart`: its description). The digest is keyed
/// with the host's secret key (`<data dir>/version.key`): a version's name, which anyone on the
/// host may list, cannot be used to guess a secret value offline.
public enum VersionName {
    public static func of(unit: String, env: String, release: String?, key: String) -> String {
        let settings = unit.split(separator: "\n").filter { line in !ignored.contains { line.hasPrefix($0) } }.joined(
            separator: "\n")
        return String(Digest.sha256(key + "\u{0}" + settings + "\u{0}" + env + "\u{0}" + (release ?? "")).prefix(12))
    }

    /// The lines of `[Unit]` keys that never restart a unit (`Description=`).
    static let ignored = UnitComparison.neverRestart.filter { $0.hasPrefix("Unit.") }.map { $0.dropFirst(5) + "=" }

    /// The version a desired state runs of a prim (its unit resource's `version`).
    public static func desired(_ prim: String, in desired: DesiredHost) -> String? {
        desired.resources.first { $0.address == ResourceNames.unit(prim) }?.attributes["version"]
    }
}
