import Foundation
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// The checks every PR gets: the whole state, with the manifest laid over main, must
/// validate; and the plan says what primd would do on merge.
public enum Checks {
    public struct Outcome: Sendable {
        public var checks: [Check]
        /// The state with the manifest laid over main (nil when it does not validate).
        public var head: DesiredState?
        /// Main's own state.
        public var base: DesiredState
        /// The state files with the manifest laid over main, loaded: what main holds after a merge.
        public var loadedHead: LoadedState
        /// Files main already holds in the package folders of prims the change creates, which the
        /// change does not write (PackageFolders.leftovers), by prim.
        public var leftovers: [String: [String]] = [:]
        /// Validation errors as `path:line:col: error: message [code]`, paths from the repository root.
        public var errors: [String] { checks.first { $0.name == .validate && $0.status == .failure }?.details ?? [] }
    }

    /// The manifest's files that belong to the state root, keyed by their path inside it.
    static func overlay(_ manifest: Manifest, statePath: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for file in manifest.files {
            if let relative = ManifestCheck.stateRelative(file.path, statePath: statePath) {
                files[relative] = Array(file.content.utf8)
            }
        }
        return files
    }

    /// - Parameter loaded: main's state at `base`, loaded once and shared by the checks of every PR.
    /// - Parameter kinds: the resource kinds the plan check renders and plans with.
    public static func run(
        _ manifest: Manifest, on base: String, loaded: LoadedState, repository: GitRepository,
        statePath: String, kinds: KindRegistry, at time: Date
    ) throws -> Outcome {
        let baseResult = loaded.result
        var snapshot = loaded.snapshot
        let files = overlay(manifest, statePath: statePath)
        for (path, bytes) in files where StateLayout.isStatePath(path) {
            snapshot.entries[path] =
                bytes.count > StateSnapshot.maxFileSize ? .tooLarge(size: bytes.count) : .file(bytes)
        }
        let result = StateLoader.load(snapshot)
        let headState = LoadedState(snapshot: snapshot, result: result)
        let paths = Array(snapshot.entries.keys)
        let errors = result.errors.map { repositoryPaths($0, files: paths, statePath: statePath) }
        let fileCount = snapshot.entries.count
        guard errors.isEmpty else {
            return Outcome(
                checks: [
                    Check(
                        name: .validate, status: .failure,
                        summary: "\(errors.count) error\(errors.count == 1 ? "" : "s") in the state with this change",
                        details: errors, base: base, at: time)
                ], head: nil, base: baseResult.state, loadedHead: headState)
        }
        let validate = Check(
            name: .validate, status: .success,
            summary: "\(fileCount) state files valid (\(result.state.prims.count) prims)",
            details: result.warnings.map { repositoryPaths($0, files: paths, statePath: statePath) }, base: base,
            at: time)
        let baseSource = GitSourceTree(repository: repository, commit: base, subpath: statePath)
        var plan = try self.plan(
            head: result.state, base: baseResult.isValid ? baseResult.state : DesiredState(),
            headSource: OverlaySourceTree(base: baseSource, files: files), baseSource: baseSource, kinds: kinds,
            base: base, at: time)
        let created = result.state.prims.map(\.id).filter { baseResult.state.prim($0) == nil }
        let leftovers = try PackageFolders.leftovers(created: created, written: Set(files.keys)) {
            try Array(baseSource.files(under: $0).keys)
        }
        for id in leftovers.keys.sorted() {
            plan.details.append(
                "\(StateLayout.package(id))/ already holds files this change does not write, which prim '\(id)' would run: \(leftovers[id]!.joined(separator: ", "))"
            )
        }
        var outcome = Outcome(
            checks: [validate, plan], head: result.state, base: baseResult.state, loadedHead: headState)
        outcome.leftovers = leftovers
        return outcome
    }

    /// A diagnostic as an agent sees the repository: its location and every other state file its
    /// message points at (`at prims/alpha.yaml:4:7`) carry the state root's prefix.
    static func repositoryPaths(_ diagnostic: Diagnostic, files: [String], statePath: String) -> String {
        let line = diagnostic.formatted(root: statePath)
        guard !statePath.isEmpty else { return line }
        let location = Diagnostic.join(statePath, diagnostic.file) + ":"
        var message = String(line.dropFirst(location.count))
        for file in files where message.contains(" \(file):") {
            message = message.replacingOccurrences(of: " \(file):", with: " \(statePath)/\(file):")
        }
        return location + message
    }

    /// Plans the head state against main's state as if main were applied, host by host.
    static func plan(
        head: DesiredState, base: DesiredState, headSource: SourceTree, baseSource: SourceTree, kinds: KindRegistry,
        base commit: String, at time: Date
    ) throws -> Check {
        var names = Set(head.hosts.map(\.name)).union(base.hosts.map(\.name)).sorted()
        if names.isEmpty { names = [Host.implicit().name] }
        var add = 0, change = 0, destroy = 0
        var details: [String] = []
        var failed = false
        for name in names {
            let desired = try build(head, host: name, source: headSource, kinds: kinds)
            let assumed = try build(base, host: name, source: baseSource, kinds: kinds)
            let plan = Planner.plan(
                desired: desired, observed: ObservedState(assumingApplied: assumed, kinds: kinds.planners),
                kinds: kinds.planners)
            add += plan.toAdd; change += plan.toChange; destroy += plan.toDestroy
            for item in plan.pending {
                details.append(
                    "\(name): \(item.address.name) will be \(HumanPlanRenderer.verb(item.action))\(item.reason.map { " (\($0.message))" } ?? "")"
                )
            }
            // Only what this change blocks fails it: a prim already blocked on main (a key the
            // operator has yet to set) is reported, and does not turn every other PR red.
            let blockedBefore = Set(assumed.blocked.map(\.prim))
            for blocked in plan.blocked {
                let already = blockedBefore.contains(blocked.prim)
                // A prim this change makes live must have a source for every key it needs, blocked before or not.
                let goesLive = head.prim(blocked.prim)?.status == .live && base.prim(blocked.prim)?.status != .live
                if !already || goesLive { failed = true }
                details.append("\(name): \(blocked.message)\(already && !goesLive ? " (already so on main)" : "")")
            }
        }
        let summary = "Plan: \(add) to add, \(change) to change, \(destroy) to destroy."
        return Check(
            name: .plan, status: failed ? .failure : .success, summary: summary, details: details, base: commit,
            at: time)
    }

    /// A host's desired resources with every declared secret given a placeholder (pr.sh never sees values).
    static func build(
        _ state: DesiredState, host name: String, source: SourceTree, kinds: KindRegistry
    ) throws -> DesiredHost {
        let host = state.host(named: name) ?? (state.hosts.isEmpty ? Host.implicit() : nil)
        guard let host else { return DesiredHost(host: name, resources: []) }
        var secrets: [String: SecretValue] = [:]
        for secret in state.secrets {
            secrets[secret.name] = SecretValue("", source: secret.encrypted == nil ? .store : .encrypted)
        }
        return try kinds.build(
            state, host: host, config: HostConfig(), secrets: secrets,
            releases: try ReleaseManifest.releases(of: state, on: host, in: source))
    }
}

/// A state tree read from a commit and loaded.
public struct LoadedState: Sendable {
    public var snapshot: StateSnapshot
    public var result: LoadResult
}

/// A commit's tree with a manifest's files laid over it.
struct OverlaySourceTree: SourceTree {
    let base: SourceTree
    /// Paths relative to the state root.
    let files: [String: [UInt8]]

    func files(under path: String) throws -> [String: SourceFile] {
        var result = try base.files(under: path)
        for (file, bytes) in files where file.hasPrefix(path + "/") {
            result[file] = SourceFile(bytes: bytes, executable: result[file]?.executable ?? false)
        }
        return result
    }
}
