import PrimModel

/// Limits on one manifest.
public struct ManifestLimits: Sendable {
    public var maxFiles = 50
    public var maxFileBytes = 256 * 1024
    public var maxTotalBytes = 1024 * 1024

    public init() {}
}

/// The checks a manifest passes before anything is read from or written to git:
/// path shape, limits, and the policy's allowed paths. Pure.
public enum ManifestCheck {
    /// What is already at a path in the base tree.
    public enum Existing: Sendable { case file, directory, symlink }

    /// - Parameters:
    ///   - statePath: the state root inside the repository (`state`, or empty for the root).
    ///   - existing: what the base tree holds at a repository path, nil for nothing.
    ///   - names: the names a folder of the base tree holds (empty path: the root).
    public static func check(
        _ manifest: Manifest, policy: Policy, statePath: String, limits: ManifestLimits,
        existing: (String) -> Existing?, names: (String) -> [String] = { _ in [] }
    ) throws(ServiceError) {
        guard manifest.files.count <= limits.maxFiles else {
            throw ServiceError(
                .invalidRequest,
                "\(manifest.files.count) files is more than the limit of \(limits.maxFiles); split the change",
                field: "files")
        }
        var seen: [String: Int] = [:]
        var total = 0
        for (index, file) in manifest.files.enumerated() {
            let field = "files[\(index)].path"
            if let problem = shapeProblem(file.path) {
                throw ServiceError(.invalidRequest, "\(field) '\(printable(file.path))' \(problem)", field: field)
            }
            if let first = seen[file.path] {
                throw ServiceError(
                    .invalidRequest, "\(field) '\(file.path)' is also files[\(first)].path; send each file once",
                    field: field)
            }
            if let (folder, other) = seen.first(where: {
                file.path.hasPrefix($0.key + "/") || $0.key.hasPrefix(file.path + "/")
            }) {
                throw ServiceError(
                    .invalidRequest,
                    "\(field) '\(file.path)' and files[\(other)].path '\(folder)' need one name as both a file and a folder; send one of them",
                    field: field)
            }
            if let (twin, other) = seen.first(where: { $0.key.lowercased() == file.path.lowercased() }) {
                throw ServiceError(
                    .invalidRequest,
                    "\(field) '\(file.path)' differs only in case from files[\(other)].path '\(twin)'; macOS and Windows hold one of them (rule case-twin)",
                    field: field)
            }
            seen[file.path] = index
            let size = file.content.utf8.count
            guard size <= limits.maxFileBytes else {
                throw ServiceError(
                    .invalidRequest,
                    "files[\(index)].content of '\(file.path)' is \(size) bytes, over the limit of \(limits.maxFileBytes)",
                    field: "files[\(index)].content")
            }
            guard !file.content.utf8.contains(0) else {
                throw ServiceError(
                    .invalidRequest,
                    "files[\(index)].content of '\(file.path)' contains a NUL byte; only text files are accepted",
                    field: "files[\(index)].content")
            }
            total += size
            if let relative = stateRelative(file.path, statePath: statePath), relative.hasPrefix(PrimOwner.folder + "/")
            {
                throw ServiceError(
                    .forbidden,
                    "\(field) '\(file.path)' is an owner record; pr.sh writes \(join(statePath, PrimOwner.folder))/ from payments and agents cannot",
                    field: field)
            }
            guard let relative = stateRelative(file.path, statePath: statePath),
                policy.agentPaths.contains(where: { PathPattern($0).matches(relative) })
            else {
                let allowed = policy.agentPaths.map { join(statePath, $0) }.joined(separator: ", ")
                throw ServiceError(
                    .forbidden, "\(field) '\(file.path)' is not a path agents may change; allowed: \(allowed)",
                    field: field)
            }
            var prefix = ""
            let parts = file.path.split(separator: "/")
            for (depth, part) in parts.enumerated() {
                if let twin = names(prefix).first(where: { $0 != part && $0.lowercased() == part.lowercased() }) {
                    let at = prefix.isEmpty ? twin : "\(prefix)/\(twin)"
                    throw ServiceError(
                        .invalidRequest,
                        "\(field) '\(file.path)' differs only in case from '\(at)' on main; macOS and Windows hold one of them: use that name (rule case-twin)",
                        field: field)
                }
                prefix = prefix.isEmpty ? String(part) : "\(prefix)/\(part)"
                switch existing(prefix) {
                case .symlink?:
                    throw ServiceError(
                        .invalidRequest,
                        "\(field) '\(file.path)' goes through the symbolic link '\(prefix)' on main; symbolic links cannot be written through pr.sh",
                        field: field)
                case .file? where depth < parts.count - 1:
                    throw ServiceError(
                        .invalidRequest,
                        "\(field) '\(file.path)' needs '\(prefix)' to be a folder, but it is a file on main",
                        field: field)
                case .directory? where depth == parts.count - 1:
                    throw ServiceError(
                        .invalidRequest, "\(field) '\(file.path)' is a folder on main; send files, not folders",
                        field: field)
                default: break
                }
            }
        }
        guard total <= limits.maxTotalBytes else {
            throw ServiceError(
                .invalidRequest,
                "the files hold \(total) bytes, over the limit of \(limits.maxTotalBytes); split the change",
                field: "files")
        }
    }

    /// Why a path is not a plain relative file path, or nil.
    static func shapeProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.utf8.contains(0) { return "contains a NUL byte" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "contains a control character"
        }
        if path.hasPrefix("/") { return "is absolute; paths are relative to the repository root" }
        if path.contains("\\") { return "contains a backslash; use '/' between folders" }
        if path.count > 255 { return "is longer than 255 characters" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") { return "contains '..'; paths cannot leave their folder" }
        if parts.contains(".") || parts.contains("") {
            return "has an empty or '.' segment; write the path without './' or '//'"
        }
        if let (rule, message) = GitPathRules.violation(path) {
            return "\(message) (rule \(rule.rawValue)); git refuses such a path on some platform"
        }
        return nil
    }

    /// The path inside the state root, or nil when it lies outside it.
    public static func stateRelative(_ path: String, statePath: String) -> String? {
        if statePath.isEmpty { return path }
        return path.hasPrefix(statePath + "/") ? String(path.dropFirst(statePath.count + 1)) : nil
    }

    static func join(_ statePath: String, _ path: String) -> String {
        statePath.isEmpty ? path : "\(statePath)/\(path)"
    }

    static func printable(_ path: String) -> String {
        String(path.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
