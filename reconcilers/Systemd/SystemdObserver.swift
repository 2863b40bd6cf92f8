import PrimModel
import PrimPlan
import PrimSystem

/// Observes prim's units: their files in the unit directory and what the manager says of them.
public struct SystemdObserver {
    public let unitDir: String
    public let bus: SystemdBus

    public init(unitDir: String, bus: SystemdBus) {
        self.unitDir = unitDir
        self.bus = bus
    }

    public func observe() throws -> [ObservedResource] {
        let names = FileReader.names(in: unitDir, suffix: ".service").filter { $0.hasPrefix("prim-") }
        let states = try bus.states(units: names)
        return try names.compactMap { name in
            guard let bytes = try FileReader.bytes("\(unitDir)/\(name)") else { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            let runtime = states[name] ?? UnitRuntime(loadState: "not-found", activeState: "inactive")
            return ObservedResource(
                address: ResourceAddress(.unit, name), path: "\(unitDir)/\(name)", content: text, digest: Digest.sha256(bytes),
                owned: text.hasPrefix(ResourceNames.ownershipMarker),
                runtime: runtime, prim: ResourceNames.prim(ofUnit: name))
        }
    }
}
