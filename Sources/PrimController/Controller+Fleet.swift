import PrimModel
import PrimSystem

/// The hosts of the revision this host runs, for the fleet on primd's page and `primctl status --fleet`.
extension Controller {
    /// The state's hosts at the live revision, read from primd's mirror once a revision; none when
    /// the state declares one host or none.
    public func fleetHosts() -> [Host] {
        guard let live = currentStatus.liveRevision else { return [] }
        fleetLock.lock()
        defer { fleetLock.unlock() }
        if let fleet, fleet.revision == live { return fleet.hosts }
        guard let hosts = try? Self.hosts(at: live, config: config) else { return [] }
        fleet = (live, hosts.count > 1 ? hosts : [])
        return fleet!.hosts
    }

    /// The state's hosts at `revision` of primd's mirror (a repository opened for this read alone),
    /// at the host config's `controller.state_path`.
    public static func hosts(at revision: String, config: HostConfig) throws -> [Host] {
        let (snapshot, _) = try GitRepository.open(config.paths.primdMirror).snapshot(
            revision: revision, subpath: config.controller.statePath)
        return StateLoader.load(snapshot).state.hosts
    }
}
