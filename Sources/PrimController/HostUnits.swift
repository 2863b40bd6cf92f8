import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem
import SystemdReconciler

/// The state of each prim's unit on this host, as `primctl status` and primd's status page show it.
public enum HostUnits {
    /// The state of each prim's unit that prim created here (`-` when the manager does not know
    /// it, `?` when the manager cannot be asked), and why it could not be asked.
    public static func observe(_ config: HostConfig) throws -> (units: [String: String], unreachable: String?) {
        let inventory = try Inventory.load(dataDir: config.dataDir)
        var bus: SystemdBus?
        var unreachable: String?
        do { bus = try SystemdBus(address: config.systemdBus) } catch { unreachable = "\(error)" }
        var units: [String: String] = [:]
        // Every prim's versions in one round trip to the manager.
        let observer = bus.map { SystemdObserver(config: config, bus: $0) }
        let versions = (try? observer?.allVersions()) ?? [:]
        let prefix = "\(ResourceKind.unit.rawValue)."
        for key in inventory.resources.keys where key.hasPrefix(prefix) {
            let name = String(key.dropFirst(prefix.count))
            guard let prim = ResourceNames.prim(ofUnit: name) else { continue }
            guard let bus else { units[prim] = "?"; continue }
            // A template's state is the state of the version it shows (`Versions.shown`).
            let shown =
                ResourceNames.isTemplate(name) ? observer?.versions(of: prim, among: versions).shown?.unit : name
            guard let shown else { units[prim] = "inactive"; continue }  // no version is loaded: none runs
            units[prim] =
                (try? bus.identity(unit: shown)).map {
                    $0.activeState == "activating" ? "activating (\($0.subState))" : $0.activeState
                } ?? "-"
        }
        return (units, unreachable)
    }
}
