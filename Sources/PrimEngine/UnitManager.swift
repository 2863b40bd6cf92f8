import PrimModel
import PrimSystem

/// The service manager as the units' kind drives it: its jobs, what it says of its units, and each
/// run's identity. On a host it is systemd over sd-bus (`SystemdBus`); tests give a fake
/// (`HostEnvironment.drivers.units`). Unit files and versions' files are plain files, not the manager's.
public protocol UnitManager: AnyObject {
    /// daemon-reload: the manager reads the unit files again.
    func reload() throws
    /// Clears a unit's failed state before it starts again.
    func resetFailed(unit: String)
    /// Queues a job; returns what `jobPending` asks about.
    func queue(_ verb: UnitJob.Verb, unit: String) throws -> String
    func jobPending(_ job: String) -> Bool
    func states(units: [String]) throws -> [String: UnitRuntime]
    /// Every loaded unit whose name matches one of the globs.
    func states(matching patterns: [String]) throws -> [String: UnitRuntime]
    /// The unit's current run: its cgroup, invocation and state.
    func identity(unit: String) throws -> UnitIdentity
}

extension SystemdBus: UnitManager {
    public func queue(_ verb: UnitJob.Verb, unit: String) throws -> String {
        switch verb {
        case .start: return try queue(UnitVerb.start, unit: unit)
        case .restart: return try queue(UnitVerb.restart, unit: unit)
        case .stop: return try queue(UnitVerb.stop, unit: unit)
        }
    }
}

extension HostEnvironment {
    /// The manager the units' kind drives: the host's driver when one is given (a test's fake), else the bus.
    public var units: any UnitManager { drivers.units ?? bus }

    /// The gates' checker: the host's driver when one is given, else `live()`.
    public func health(else live: () -> any HealthChecker) -> any HealthChecker { drivers.health ?? live() }
}
