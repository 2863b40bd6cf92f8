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

    static func read(_ options: GlobalOptions, cacheRoot: String) throws -> StateSource {
        guard let repoArgument = options.repo else {
            let directory = options.state ?? "."
            return StateSource(snapshot: try DirectoryReader.read(directory), label: directory, revision: nil,
                               tree: DirectorySourceTree(root: directory))
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
        let location = FileManager.default.fileExists(atPath: repoArgument)
            ? URL(fileURLWithPath: repoArgument).standardizedFileURL.path : repoArgument
        return StateSource(snapshot: snapshot, label: label, revision: commit,
                           tree: GitSourceTree(repository: repository, commit: commit, subpath: subpath),
                           origin: Generation.Origin(repository: location, statePath: subpath))
    }
}
