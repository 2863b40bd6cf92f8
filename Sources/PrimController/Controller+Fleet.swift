import PrimModel
import PrimSystem

/// The hosts of the revision this host runs, for the fleet on primd's page.
extension Controller {
    /// The state's hosts at the live revision, read from primd's mirror (a repository opened for
    /// this read alone) once a revision; none when the state declares one host or none.
    public func fleetHosts() -> [Host] {
        guard let live = currentStatus.liveRevision else { return [] }
        fleetLock.lock()
        defer { fleetLock.unlock() }
        if let fleet, fleet.revision == live { return fleet.hosts }
        guard let repository = try? GitRepository.open(config.paths.primdMirror),
            let (snapshot, _) = try? repository.snapshot(revision: live, subpath: settings.statePath)
        else { return [] }
        let hosts = StateLoader.load(snapshot).state.hosts
        fleet = (live, hosts.count > 1 ? hosts : [])
        return fleet!.hosts
    }
}
