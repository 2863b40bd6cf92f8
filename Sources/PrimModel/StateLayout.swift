/// The state tree's layout, relative to its root: which folders hold one-file declarations,
/// where prims' code lives, which paths the loader reads, and which prim a path belongs to.
/// Every reader (a directory, a commit), the loader and pr.sh's policy go by it.
public enum StateLayout {
    /// The folders of one-file declarations: `<folder>/<name>.yaml`.
    public enum Folder: String, CaseIterable, Sendable {
        case prims, hosts, secrets, dns, providers, owners

        /// `<folder>/<name>.yaml`.
        public func file(_ name: String) -> String { "\(rawValue)/\(name).yaml" }
        /// `<folder>/<name>`, as a label (a zone's records: `dns/prim.sh`).
        public func entry(_ name: String) -> String { "\(rawValue)/\(name)" }
        /// Whether `path` is anywhere below it.
        public func contains(_ path: String) -> Bool { path.hasPrefix(rawValue + "/") }
        /// A path pattern for every declaration in it (`prims/*.yaml`).
        public var pattern: String { "\(rawValue)/*.yaml" }
    }

    /// The folder of prims' code: `packages/<id>/…`.
    public static let packages = "packages"
    /// pr.sh's policy: what agents may change and how their changes merge.
    public static let policy = "policy.yaml"
    /// upstream's registry of every prim (its monorepo layout).
    public static let registry = "primitives.yaml"
    /// A prim's own declaration in its package folder (upstream's layout).
    public static let packagePrimFile = "prim.yaml"

    /// A prim's code folder: `packages/<id>`.
    public static func package(_ id: String) -> String { "\(packages)/\(id)" }
    /// `packages/<id>/prim.yaml`.
    public static func packagePrim(_ id: String) -> String { "\(package(id))/\(packagePrimFile)" }
    /// A path pattern for everything in every package folder (`packages/*/**`).
    public static var packagesPattern: String { "\(packages)/*/**" }

    /// Whether a path is one the loader reads.
    public static func isStatePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return path == policy || path == registry
        case 2: return Folder(rawValue: String(parts[0])) != nil && isYAML(parts[1])
        case 3: return parts[0] == packages && parts[2] == packagePrimFile
        default: return false
        }
    }

    static func isYAML<S: StringProtocol>(_ name: S) -> Bool {
        name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }

    /// The paths a reader looks at, given the names in each declaration folder and in `packages/`
    /// (a reader keeps those `isStatePath` accepts).
    public static func candidates(names: (String) throws -> [String]) rethrows -> [String] {
        var candidates = [policy, registry]
        for folder in Folder.allCases {
            candidates += try names(folder.rawValue).map { "\(folder.rawValue)/\($0)" }
        }
        candidates += try names(packages).map(packagePrim)
        return candidates
    }

    /// The declaration folder a path is in, with the file's name less its extension
    /// (`prims/a.yaml` → `(.prims, "a")`); nil for other paths.
    public static func declaration(_ path: String) -> (folder: Folder, stem: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let folder = Folder(rawValue: String(parts[0])) else { return nil }
        return (folder, stem(String(parts[1])))
    }

    /// A file's name less its `.yaml`/`.yml` extension, exactly: `.X.yaml` or `X..yaml` is not `X`.
    public static func stem(_ file: String) -> String {
        String(file.dropLast(file.hasSuffix(".yml") ? 4 : file.hasSuffix(".yaml") ? 5 : 0))
    }

    /// The prim whose code folder holds `path` (`packages/<id>/…`); nil elsewhere.
    public static func packageOwner(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == packages else { return nil }
        return String(parts[1])
    }

    /// Whether `path` is a package's own `prim.yaml` (`packages/<id>/prim.yaml`).
    public static func isPackagePrim(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == packages && parts[2] == packagePrimFile
    }
}
