import PrimController
import PrimEngine
import PrimModel
import PrimStatus

/// Whether an operator's apply would fight primd: on a host whose primd follows a repository and
/// is not suspended, anything but the commit primd runs is undone at its next drift check.
enum PrimdFollows {
    /// Why applying `source` here fights primd; nil when it does not (no primd, suspended, or the
    /// very commit and folder primd runs).
    static func conflict(_ config: HostConfig, _ source: StateSource) -> String? {
        guard let repo = config.controller.repo, Suspension.load(dataDir: config.dataDir) == nil else { return nil }
        // Only the commit primd runs, with no prim held back at an older one: not the branch
        // head it refused (unsigned, invalid, rewritten), nor a commit whose failing prims it rolled back.
        let status = ControllerStatus.load(config.paths.status)
        if let revision = source.revision, revision == status?.liveRevision, status?.rolledBack.isEmpty ?? false,
            (source.origin?.statePath ?? "") == config.controller.statePath
        {
            return nil
        }
        let what = source.revision.map { "commit \($0.prefix(12))" } ?? "\(source.label)"
        return
            "primd on this host follows \(repo) (branch \(config.controller.branch)\(config.controller.statePath.isEmpty ? "" : ", folder \(config.controller.statePath)")): applying \(what) here would be undone at its next drift check. Run `primctl suspend` first (and `primctl resume` to hand the host back), change the branch instead, or apply with --force"
    }
}
