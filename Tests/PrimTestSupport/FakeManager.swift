import Foundation
import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// A service manager without systemd: a job changes a unit's state at once (a start that is told to
/// fail leaves it `failed`), every start is a new run (invocation), and every call is recorded.
public final class FakeManager: UnitManager, @unchecked Sendable {
    public private(set) var calls: [String] = []
    public private(set) var units: [String: UnitRuntime] = [:]
    private var invocations: [String: Int] = [:]
    private var runs = 0
    /// Units whose start fails.
    public var failing: Set<String> = []

    public init() {}

    /// A unit already running, as an apply finds it.
    public func running(_ unit: String) {
        runs += 1
        units[unit] = UnitRuntime(loadState: "loaded", activeState: "active", subState: "running")
        invocations[unit] = runs
    }

    public func reload() throws { calls.append("reload") }
    public func resetFailed(unit: String) {}

    public func queue(_ verb: UnitJob.Verb, unit: String) throws -> String {
        calls.append("\(verb.rawValue) \(unit)")
        switch verb {
        case .start, .restart:
            if failing.contains(unit) {
                units[unit] = UnitRuntime(loadState: "loaded", activeState: "failed", subState: "failed")
            } else {
                running(unit)
            }
        case .stop:
            units[unit] = UnitRuntime(loadState: "loaded", activeState: "inactive", subState: "dead")
        }
        return "/org/freedesktop/systemd1/job/\(calls.count)"
    }

    public func jobPending(_ job: String) -> Bool { false }

    public func states(units names: [String]) throws -> [String: UnitRuntime] {
        Dictionary(
            uniqueKeysWithValues: names.map {
                ($0, units[$0] ?? UnitRuntime(loadState: "not-found", activeState: "inactive"))
            })
    }

    public func states(matching patterns: [String]) throws -> [String: UnitRuntime] {
        units.filter { unit, _ in patterns.contains { fnmatch($0, unit, 0) == 0 } }
    }

    public func identity(unit: String) throws -> UnitIdentity {
        let state = units[unit]?.activeState ?? "inactive"
        return UnitIdentity(
            cgroupID: state == "active" ? 1 : 0, invocation: invocations[unit].map { "run\($0)" } ?? "",
            activeState: state)
    }

    /// The jobs asked, in order (`start prim-a@v.service`), without reloads.
    public var jobs: [String] { calls.filter { $0 != "reload" } }
}

/// Gates that pass, except for the prims told to fail; no port is anyone else's.
public final class FakeHealth: HealthChecker, @unchecked Sendable {
    public var failing: Set<String> = []
    public private(set) var asked: [String] = []

    public init() {}

    public func check(_ gates: [HealthGate]) -> [GateResult] { checkUnsettled(gates) }

    public func checkUnsettled(_ gates: [HealthGate]) -> [GateResult] {
        gates.map { gate in
            asked.append("\(gate.prim) \(gate.unit) :\(gate.port)")
            let passed = !failing.contains(gate.prim)
            return GateResult(
                prim: gate.prim, passed: passed, enforced: gate.enforce,
                message: passed
                    ? "GET \(gate.path) answered \(gate.status)"
                    : "GET \(gate.path) answered 500 (a fake told to fail)",
                seconds: 0, release: gate.release)
        }
    }

    public func owner(of port: Int, unit: String) -> String? { nil }
}
