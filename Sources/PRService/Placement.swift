import Foundation
import PrimModel

/// Where an agent's new prim runs when its file names no host and the state has several: pr.sh
/// places it on the host open to agents (`agents:`, default true) with the fewest deployed prims
/// and room left under its `capacity`, ties by name, and writes `deploy.host` into the prim's file
/// before the checks, so the PR's commit (and the merge) says where it runs.
enum Placement {
    struct Placed: Equatable {
        var prim: String
        var host: String
        var path: String
    }

    /// The manifest with each new deployed prim's host written in, and the placements made.
    static func place(_ manifest: Manifest, base: DesiredState, statePath: String) throws -> (Manifest, [Placed]) {
        guard base.hosts.count > 1 else { return (manifest, []) }
        var manifest = manifest
        var placed: [Placed] = []
        var counts = Dictionary(uniqueKeysWithValues: base.hosts.map { ($0.name, base.deployedPrims(on: $0).count) })
        for index in manifest.files.indices {
            let file = manifest.files[index]
            guard let relative = ManifestCheck.stateRelative(file.path, statePath: statePath),
                let (folder, id) = StateLayout.declaration(relative), folder == .prims, base.prim(id) == nil,
                let prim = StateLoader.load(StateSnapshot(entries: [relative: .file(Array(file.content.utf8))])).state
                    .prims.first,
                prim.isDeployed, prim.deploy.host == nil
            else { continue }
            let open = base.hosts.filter { host in
                host.agents && (host.capacity.map { counts[host.name, default: 0] < $0 } ?? true)
            }
            guard
                let host = open.min(by: {
                    (counts[$0.name, default: 0], $0.name) < (counts[$1.name, default: 0], $1.name)
                })
            else {
                throw ServiceError(
                    .invalidRequest,
                    "prim '\(id)' names no deploy.host and no host open to agents has room for it (each is at its capacity, or agents: false); an operator must add a host or raise a capacity",
                    field: "files")
            }
            guard let content = withHost(file.content, host.name) else {
                throw ServiceError(
                    .invalidRequest,
                    "prim '\(id)' names no deploy.host and its deploy: is not a block mapping pr.sh can add host: to; write deploy: as a block (deploy:\\n  host: …) or name the host yourself",
                    field: "files")
            }
            manifest.files[index].content = content
            counts[host.name, default: 0] += 1
            placed.append(Placed(prim: id, host: host.name, path: file.path))
        }
        return (manifest, placed)
    }

    /// The file with `host:` as the first key of its top-level `deploy:` block (added when it has
    /// none); nil when `deploy:` is written inline (a flow mapping), which text cannot safely extend.
    static func withHost(_ text: String, _ host: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let index = lines.firstIndex(where: { $0.hasPrefix("deploy:") }) else {
            if lines.last == "" { lines.removeLast() }
            return (lines + ["deploy:", "  host: \(host)", ""]).joined(separator: "\n")
        }
        let rest = lines[index].dropFirst("deploy:".count).trimmingCharacters(in: .whitespaces)
        guard rest.isEmpty || rest.hasPrefix("#") else { return nil }
        let child = lines[(index + 1)...].first {
            !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#")
        }
        let indent = child.map { String($0.prefix { $0 == " " }) }.flatMap { $0.isEmpty ? nil : $0 } ?? "  "
        lines.insert("\(indent)host: \(host)", at: index + 1)
        return lines.joined(separator: "\n")
    }
}
