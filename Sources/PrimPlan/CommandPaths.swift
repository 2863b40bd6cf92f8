import PrimModel

/// A prim's command runs from its release's root, which holds the state's `packages/<id>/` and the
/// host's shared paths at the paths they have in the state: `python3 packages/notes/server.py`,
/// not `python3 server.py`. A relative path the command names that the release does not hold is
/// almost always one of those mistakes; the plan says so before the prim fails to start.
public enum CommandPaths {
    /// The relative paths in `command` that `release` holds neither as a file nor as a folder.
    public static func missing(in command: String, release: ReleaseManifest) -> [String] {
        command.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().map(String.init).filter { word in
            guard word.contains("/"), let first = word.first, first != "/", first != "-", first != "$", first != "%",
                !word.contains("="), !word.contains(":"), !word.contains("\""), !word.contains("'")
            else { return false }
            let path = word.hasPrefix("./") ? String(word.dropFirst(2)) : word
            return release.files[path] == nil
                && !release.files.keys.contains { $0.hasPrefix(path.hasSuffix("/") ? path : path + "/") }
        }
    }

    /// A plan note for each deployed prim whose command names a path its release lacks.
    public static func notes(_ state: DesiredState, host: Host, releases: [String: ReleaseManifest]) -> [String] {
        state.deployedPrims(on: host).sorted { $0.id < $1.id }.compactMap { prim in
            guard let release = releases[prim.id] else { return nil }
            let missing = missing(in: host.command(for: prim), release: release)
            guard !missing.isEmpty else { return nil }
            return
                "prim '\(prim.id)': its command names \(missing.map { "'\($0)'" }.joined(separator: ", ")), which its code does not hold; the command runs from the release root, where packages/\(prim.id)/ and the host's shared paths keep their paths in the state (write packages/\(prim.id)/…)"
        }
    }
}
