#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif
import Dispatch
import PrimModel
import PrimPlan
import PrimSystem

/// What a prim must answer after it starts.
public struct HealthGate: Sendable, Equatable {
    public var prim: String
    public var unit: String
    public var port: Int
    public var path: String
    public var status: Int
    public var timeout: Double
    /// One paid route, which must answer 402 to a request without payment.
    public var paidRoute: (method: String, path: String)?
    /// `live` prims enforce their gate; `testing` prims only report.
    public var enforce: Bool

    public init(prim: String, unit: String, port: Int, path: String, status: Int, timeout: Double,
                paidRoute: (method: String, path: String)?, enforce: Bool) {
        self.prim = prim
        self.unit = unit
        self.port = port
        self.path = path
        self.status = status
        self.timeout = timeout
        self.paidRoute = paidRoute
        self.enforce = enforce
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.prim == b.prim && a.port == b.port && a.path == b.path && a.status == b.status && a.enforce == b.enforce
            && a.paidRoute?.method == b.paidRoute?.method && a.paidRoute?.path == b.paidRoute?.path
    }

    /// The gates of every deployed, running prim on a host.
    public static func gates(_ state: DesiredState, host: PrimModel.Host) -> [String: HealthGate] {
        var gates: [String: HealthGate] = [:]
        for prim in state.deployedPrims(on: host) where prim.status?.runs ?? false {
            guard let port = prim.port else { continue }
            let paid = prim.routes.first { $0.isPaid }
            gates[prim.unitName] = HealthGate(
                prim: prim.id, unit: prim.unitName, port: port, path: prim.deploy.health.path, status: prim.deploy.health.status,
                timeout: Double(prim.deploy.health.timeoutSeconds), paidRoute: paid.map { ($0.method, $0.path) },
                enforce: prim.status == .live)
        }
        return gates
    }
}

/// The outcome of one gate.
public struct GateResult: Sendable, Equatable, Codable {
    public var prim: String
    public var passed: Bool
    public var enforced: Bool
    public var message: String
    public var seconds: Double

    public init(prim: String, passed: Bool, enforced: Bool, message: String, seconds: Double) {
        self.prim = prim
        self.passed = passed
        self.enforced = enforced
        self.message = message
        self.seconds = seconds
    }
}

/// Runs health gates over HTTP (libcurl), concurrently.
public protocol HealthChecker {
    func check(_ gates: [HealthGate]) -> [GateResult]
}

/// Runs each gate's requests over HTTP and then asks who answered: a gate passes only if every
/// process listening on the prim's port is in that unit's cgroup, and the unit is on the same
/// run (invocation) after a settle period as before its first request.
public struct HTTPHealthChecker: HealthChecker {
    /// The manager the units run under; asked only from the calling thread (sd-bus is not thread-safe).
    let bus: SystemdBus
    /// How long a unit must stay on one run after answering.
    public var settleSeconds = 0.5

    public init(bus: SystemdBus) {
        self.bus = bus
    }

    /// The HTTP checks run concurrently; then one scan of the listening sockets and one settle
    /// period serve every gate of the batch.
    public func check(_ gates: [HealthGate]) -> [GateResult] {
        let started = Date()
        let before = gates.map { identity($0.unit) }
        let answers = ResultBox<String?>(count: gates.count)
        // Each gate mostly waits on the network: all run at once (a queue of our own overcommits
        // threads), so one apply's gates take as long as the slowest, not their sum over the cores.
        let queue = DispatchQueue(label: "prim.gates", attributes: .concurrent)
        let group = DispatchGroup()
        for index in gates.indices {
            queue.async(group: group) {
                answers.set(index, before[index] == nil ? "the manager does not know \(gates[index].unit)" : Self.answers(gates[index], started: started))
            }
        }
        group.wait()
        var problems = answers.values
        let holders = PortOwners.holders(of: Set(gates.indices.filter { problems[$0] == nil }.map { gates[$0].port }))
        for index in gates.indices where problems[index] == nil {
            problems[index] = Self.owners(holders[gates[index].port] ?? [], port: gates[index].port, unit: gates[index].unit,
                                          cgroup: before[index]?.cgroupID ?? 0)
        }
        if problems.contains(where: { $0 == nil }) { usleep(useconds_t(settleSeconds * 1_000_000)) }
        return gates.indices.map { index in
            let gate = gates[index]
            var problem = problems[index]
            if problem == nil {
                let after = identity(gate.unit)
                if after?.invocation != before[index]?.invocation || after?.activeState != "active" {
                    problem = "\(gate.unit) answered but did not stay up: it restarted or stopped within \(settleSeconds) s of its gate"
                }
            }
            var message = "GET \(gate.path) → \(gate.status)"
            if let paid = gate.paidRoute { message += ", \(paid.method) \(paid.path) unpaid → 402" }
            return GateResult(prim: gate.prim, passed: problem == nil, enforced: gate.enforce, message: problem ?? message,
                              seconds: Date().timeIntervalSince(started))
        }
    }

    func identity(_ unit: String) -> UnitIdentity? {
        try? bus.identity(unit: unit)
    }

    /// Why the port does not answer as the gate expects, or nil when it does.
    static func answers(_ gate: HealthGate, started: Date) -> String? {
        let deadline = started.addingTimeInterval(gate.timeout)
        let base = "http://127.0.0.1:\(gate.port)"
        var last = "no answer"
        while true {
            if let response = try? HTTPClient.request("GET", base + gate.path, timeout: 2) {
                if response.status == gate.status { break }
                last = "answered \(response.status)"
            }
            if Date() > deadline {
                return "GET \(gate.path) on port \(gate.port) \(last) within \(Int(gate.timeout)) s, expected \(gate.status)"
            }
            usleep(50_000)
        }
        if let paid = gate.paidRoute {
            let response = try? HTTPClient.request(paid.method, base + paid.path, body: paid.method == "GET" ? nil : [], timeout: 5)
            guard response?.status == 402 else {
                return "\(paid.method) \(paid.path) without payment answered \(response.map { String($0.status) } ?? "nothing"), expected 402"
            }
        }
        return nil
    }

    /// Why the answer on `port` cannot be the unit's: a listener outside its cgroup, or none.
    static func owners(_ holders: [PortHolder], port: Int, unit: String, cgroup: UInt64) -> String? {
        guard !holders.isEmpty else { return "port \(port) answered, but no process of this host listens on it" }
        let foreign = holders.filter { $0.cgroupID != cgroup || cgroup == 0 }
        guard foreign.isEmpty else {
            return "port \(port) answered, but it is held by \(foreign.map(\.description).joined(separator: ", ")), not by \(unit)"
        }
        return nil
    }
}

/// Collects results written from concurrent iterations.
final class ResultBox<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = ThreadLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock(); slots[index] = value; lock.unlock()
    }

    var values: [T] { slots.compactMap { $0 } }
}
