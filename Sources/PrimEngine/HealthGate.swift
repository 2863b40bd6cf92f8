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
}

/// Runs health gates over HTTP (libcurl), concurrently.
public protocol HealthChecker {
    func check(_ gates: [HealthGate]) -> [GateResult]
}

public struct HTTPHealthChecker: HealthChecker {
    public init() {}

    public func check(_ gates: [HealthGate]) -> [GateResult] {
        let results = ResultBox<GateResult>(count: gates.count)
        DispatchQueue.concurrentPerform(iterations: gates.count) { index in
            results.set(index, Self.run(gates[index]))
        }
        return results.values
    }

    static func run(_ gate: HealthGate) -> GateResult {
        let started = Date()
        let deadline = started.addingTimeInterval(gate.timeout)
        let base = "http://127.0.0.1:\(gate.port)"
        var last = "no answer"
        while true {
            if let response = try? HTTPClient.request("GET", base + gate.path, timeout: 2) {
                if response.status == gate.status { break }
                last = "answered \(response.status)"
            }
            if Date() > deadline {
                return GateResult(prim: gate.prim, passed: false, enforced: gate.enforce, message: "GET \(gate.path) on port \(gate.port) \(last) within \(Int(gate.timeout)) s, expected \(gate.status)", seconds: Date().timeIntervalSince(started))
            }
            usleep(50_000)
        }
        var message = "GET \(gate.path) → \(gate.status)"
        if let paid = gate.paidRoute {
            let response = try? HTTPClient.request(paid.method, base + paid.path, body: paid.method == "GET" ? nil : [], timeout: 5)
            guard response?.status == 402 else {
                return GateResult(prim: gate.prim, passed: false, enforced: gate.enforce, message: "\(paid.method) \(paid.path) without payment answered \(response.map { String($0.status) } ?? "nothing"), expected 402", seconds: Date().timeIntervalSince(started))
            }
            message += ", \(paid.method) \(paid.path) unpaid → 402"
        }
        return GateResult(prim: gate.prim, passed: true, enforced: gate.enforce, message: message, seconds: Date().timeIntervalSince(started))
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
