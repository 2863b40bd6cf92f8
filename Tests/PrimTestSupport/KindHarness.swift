import Foundation
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// One kind's apply on fakes: a host environment whose drivers are the fakes given, a data dir of
/// its own (inventory, journal, generations) and a manager that is never connected. Plans are made
/// by the real planner from what the test says is desired and live.
public final class KindHarness {
    public let dataDir: String
    public var config: HostConfig
    public var drivers = Drivers()
    public private(set) var events: [ApplyEvent] = []

    public init() throws {
        dataDir = NSTemporaryDirectory() + "prim-kind-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        config = HostConfig()
        config.dataDir = dataDir
        config.envDir = "\(dataDir)/env"
        config.caddyFragmentDir = "\(dataDir)/caddy"
        config.unitDir = "\(dataDir)/units"
    }

    deinit { try? FileManager.default.removeItem(atPath: dataDir) }

    /// The plan of `kinds` for `desired` against `live`.
    public func plan(_ kinds: [any Reconciler], desired: DesiredHost, live: [ObservedResource]) -> Plan {
        Planner.plan(desired: desired, observed: ObservedState(resources: live), kinds: kinds)
    }

    /// Applies `plan` with `kinds`; the events it reported are in `events`.
    public func apply(
        _ plan: Plan, _ kinds: [any Reconciler], desired: DesiredHost, gates: [String: HealthGate] = [:]
    ) throws
        -> Generation
    {
        var environment = HostEnvironment(config: config, bus: try SystemdBus.unconnected(), sources: [])
        environment.drivers = drivers
        events = []
        return try Applier(kinds: kinds, host: environment).apply(plan, desired: desired, gates: gates, revision: nil) {
            events.append($0)
        }
    }

    /// What the inventory says prim owns after the applies so far, by address key.
    public func inventory() throws -> [String] {
        try Inventory.load(dataDir: dataDir).resources.keys.sorted()
    }

    /// The steps that failed, as `<action> <address>: <error>`.
    public var failures: [String] {
        events.compactMap { event in
            guard case .step(let step) = event, let error = step.error else { return nil }
            return "\(step.action.rawValue) \(step.address.key): \(error)"
        }
    }

    /// A file resource of `kind` at `path`.
    public static func file(
        _ address: ResourceAddress, prim: String?, path: String, content: String, sensitive: Bool = false
    ) -> DesiredResource {
        DesiredResource(address: address, prim: prim, path: path, content: content, sensitive: sensitive)
    }

    /// The live file a resource would be once written.
    public static func live(_ resource: DesiredResource, content: String? = nil) -> ObservedResource {
        let text = content ?? resource.content
        return ObservedResource(
            address: resource.address, path: resource.path, content: resource.sensitive ? nil : text,
            digest: Digest.sha256(text), prim: resource.prim)
    }
}
