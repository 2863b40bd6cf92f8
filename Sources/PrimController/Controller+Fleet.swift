import PrimModel
import PrimSystem

/// The hosts of the revision this host runs, for the fleet on primd's page.
extension Controller {
    /// The state's hosts at the live revision, read from primd's mirror (a repository opened for
    /// this read alone); none when the state declares one host or none.
    public func fleetHosts() -> [Host] {
        guard let live = currentStatus.liveRevision,
            let repository = try? GitRepository.open(config.paths.primdMirror),
            let (snapshot, _) = try? repository.snapshot(revision: live, subpath: settings.statePath)
        else { return [] }
        let hosts = StateLoader.load(snapshot).state.hosts
        return hosts.count > 1 ? hosts : []
    }
}
