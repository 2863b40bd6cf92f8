import PrimModel

/// A package folder belongs to its prim: `packages/<id>/` is the code prim `<id>` runs, so its files
/// are written only for a prim that exists (or that the same manifest creates) and change with that
/// prim's owner. A host's `shared:` folders are the exception: code every prim of that host runs,
/// guarded by the `shared-code` rule. Pure.
public enum PackageFolders {
    /// Refuses (free, before payment) a file in a package folder with no prim: code planted there
    /// would run in whatever prim later takes that name.
    /// - Parameters:
    ///   - created: the prims the manifest's own prim files create.
    public static func check(
        _ manifest: Manifest, base: DesiredState, created: Set<String>, statePath: String
    ) throws(ServiceError) {
        for (index, file) in manifest.files.enumerated() {
            guard let relative = ManifestCheck.stateRelative(file.path, statePath: statePath),
                let id = StateLayout.packageOwner(relative)
            else { continue }
            if relative.split(separator: "/").count == 2 {
                throw ServiceError(
                    .invalidRequest,
                    "files[\(index)].path '\(file.path)' would be a file where prim '\(id)'s package folder goes; a package is a folder: write files under it",
                    field: "files[\(index)].path")
            }
            guard base.prim(id) == nil, !created.contains(id), !isShared(relative, in: base) else { continue }
            let declaration = ManifestCheck.join(statePath, StateLayout.Folder.prims.file(id))
            throw ServiceError(
                .invalidRequest,
                "files[\(index)].path '\(file.path)' is in the package folder of prim '\(id)', which does not exist; a package folder belongs to its prim: send \(declaration) in the same manifest to create it",
                field: "files[\(index)].path")
        }
    }

    /// Whether a path lies in a folder a host shares with all its prims.
    static func isShared(_ path: String, in state: DesiredState) -> Bool {
        state.hosts.contains { $0.shares(path) }
    }

    /// Files already in the folders of prims a change creates that the change does not write
    /// itself (left by a removed prim, or by the operator): the new prim would run them.
    /// - Parameters:
    ///   - existing: the files main holds under a state-relative folder.
    ///   - written: the state-relative paths the change writes.
    public static func leftovers(
        created: [String], written: Set<String>, existing: (String) throws -> [String]
    ) rethrows -> [String: [String]] {
        var found: [String: [String]] = [:]
        for id in created {
            let files = try existing(StateLayout.package(id)).filter { !written.contains($0) }.sorted()
            if !files.isEmpty { found[id] = files }
        }
        return found
    }

    /// The approval a prim created over such files needs, naming them (rule `package-leftovers`).
    public static func reasons(_ leftovers: [String: [String]]) -> [String] {
        leftovers.keys.sorted().map { id in
            let files = leftovers[id]!
            let shown =
                files.prefix(10).joined(separator: ", ") + (files.count > 10 ? " and \(files.count - 10) more" : "")
            return
                "it creates prim '\(id)' over \(StateLayout.package(id))/, which already holds files this change does not write and the prim would run: \(shown); an operator approves (or remove them first) (rule \(RiskRules.Rule.packageLeftovers.rawValue))"
        }
    }
}
