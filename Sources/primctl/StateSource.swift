import Foundation
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Where the state is read from, and the label its diagnostics are printed under.
struct StateSource {
    var snapshot: StateSnapshot
    var label: String
    var revision: String?
    /// The tree prims' code (releases) is read from.
    var tree: SourceTree
    /// The repository and folder, when the state came from git.
    var origin: Generation.Origin? = nil
    /// For people: the commit's subject, or the directory.
    var subject: String? = nil
    /// The archive it was read from (a rollback of a directory apply).
    var archive: String? = nil

    /// An archived directory state (`StateArchive`), as a generation kept it.
    static func archived(_ digest: String, dataDir: String, subject: String?) throws -> StateSource {
        let (snapshot, tree) = try StateArchive(dataDir: dataDir).load(digest)
        return StateSource(
            snapshot: snapshot, label: "archive \(digest.prefix(12))", revision: nil, tree: tree,
            subject: subject, archive: digest)
    }

    static func read(_ options: GlobalOptions, cacheRoot: String) throws -> StateSource {
        guard let repoArgument = options.repo else {
            let directory = options.state ?? "."
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
            return StateSource(
                snapshot: try DirectoryReader.read(directory), label: directory, revision: nil,
                tree: DirectorySourceTree(root: directory), subject: "directory \(absolute)")
        }
        var isDirectory: ObjCBool = false
        let repository: GitRepository
        if FileManager.default.fileExists(atPath: repoArgument, isDirectory: &isDirectory), isDirectory.boolValue {
            repository = try GitRepository.open(repoArgument)
        } else {
            let cache = "\(cacheRoot)/repos/\(Digest.sha256(repoArgument).prefix(16))"
            repository = try GitRepository.mirror(repoArgument, into: cache)
        }
        let subpath = options.state ?? ""
        let (snapshot, commit) = try repository.snapshot(revision: options.rev, subpath: subpath)
        let label = subpath.isEmpty ? "\(options.rev):" : "\(options.rev):\(subpath)"
        let location =
            FileManager.default.fileExists(atPath: repoArgument)
            ? URL(fileURLWithPath: repoArgument).standardizedFileURL.path : repoArgument
        return StateSource(
            snapshot: snapshot, label: label, revision: commit,
            tree: GitSourceTree(repository: repository, commit: commit, subpath: subpath),
            origin: Generation.Origin(repository: location, statePath: subpath),
            subject: try? repository.subject(commit))
    }
}
