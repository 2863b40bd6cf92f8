/// How a prim's systemd units are named, in one place: the template `prim-<id>@.service`, and each
/// version an instance of it, `prim-<id>@<version>.service` (its env file and release link are
/// named `<id>@<version>`, the instance's name less `prim-` and `.service`).
public enum UnitName {
    static let prefix = "prim-"
    static let suffix = ".service"

    /// The prim's template unit.
    public static func template(_ id: String) -> String { "\(prefix)\(id)@\(suffix)" }
    /// One version of the prim, running.
    public static func instance(_ id: String, version: String) -> String { "\(prefix)\(id)@\(version)\(suffix)" }
    /// The instance a version's `<id>@<version>` file stands for.
    public static func instance(versionStem: String) -> String { "\(prefix)\(versionStem)\(suffix)" }
    /// The glob that matches every version of a prim (every prim's, with `*`).
    public static func instances(_ id: String) -> String { "\(prefix)\(id)@*\(suffix)" }
    /// The unit of a prim deployed before versions ran as instances.
    public static func legacy(_ id: String) -> String { "\(prefix)\(id)\(suffix)" }
    /// Whether a unit name is a prim's template (`prim-<id>@.service`).
    public static func isTemplate(_ name: String) -> Bool { name.hasPrefix(prefix) && name.hasSuffix("@\(suffix)") }
    /// The user a prim's units run as (`DynamicUser=`).
    public static func user(_ id: String) -> String { "\(prefix)\(id)" }
}
