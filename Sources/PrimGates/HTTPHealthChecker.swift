import Dispatch
import PrimEngine
import PrimModel
import PrimPlan
import PrimStatus
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Runs each gate's requests over HTTP and then asks who answered: a gate passes only if every
/// process listening on the prim's port is in that unit's cgroup, and the unit is on the same
/// run (invocation) after a settle period as before its first request.
public struct HTTPHealthChecker: HealthChecker {
    /// The manager the units run under; asked only from the calling thread (sd-bus is not thread-safe).
    let bus: SystemdBus
    /// How long a unit must stay on one run after answering (0: the caller waits it out, as a
    /// hand-over does while the new version already serves).
    public var settleSeconds = HTTPHealthChecker.settle
    public static let settle = 0.5

    public init(bus: SystemdBus) {
        self.bus = bus
    }

    /// The HTTP checks run concurrently; then one scan of the listening sockets and one settle
    /// period serve every gate of the batch.
    public func check(_ gates: [HealthGate]) -> [GateResult] {
        let started = Date()
        let before = gates.map { identity($0.unit) }
        let answers = ResultBox<Answer>(count: gates.count)
        // Each gate mostly waits on the network: all run at once (a queue of our own overcommits
        // threads), so one apply's gates take as long as the slowest, not their sum over the cores.
        let queue = DispatchQueue(label: "prim.gates", attributes: .concurrent)
        let address = bus.address
        let group = DispatchGroup()
        for index in gates.indices {
            queue.async(group: group) {
                guard let identity = before[index] else {
                    return answers.set(
                        index, Answer(problem: "the manager does not know \(gates[index].unit)", routes: nil))
                }
                // sd-bus is not thread-safe: each gate that waits asks the manager on its own connection.
                let watch = Watch(address: address, unit: gates[index].unit, before: identity)
                answers.set(index, Self.answers(gates[index], started: started, ended: watch.ended))
            }
        }
        // The wait is bounded by the longest gate's timeout, which may outlast a service watchdog:
        // the manager is told the process is alive until that bound (and a margin) has passed, and
        // no longer, so a gate stuck past it still gets the process restarted.
        let beat = SystemdNotify.watchdogInterval.map { min($0, 5) } ?? 5
        let bound = started.addingTimeInterval((gates.map(\.timeout).max() ?? 0) + Self.conformanceSeconds + 30)
        while group.wait(timeout: .now() + beat) == .timedOut {
            if Date() < bound { SystemdNotify.stillAlive(for: beat) }
        }
        let answered = answers.values
        var problems = answered.map(\.problem)
        // A port two gates claim has no one expected holder: its holders are traced and named.
        let expected = Dictionary(
            gates.indices.map { (gates[$0].port, before[$0]?.cgroupID ?? 0) }, uniquingKeysWith: { _, _ in 0 })
        let holders = PortOwners.holders(
            of: Set(gates.indices.filter { problems[$0] == nil }.map { gates[$0].port }),
            expected: { port in expected[port].map { [$0] } ?? [] })
        for index in gates.indices where problems[index] == nil {
            problems[index] = Self.owners(
                holders[gates[index].port] ?? [], port: gates[index].port, unit: gates[index].unit,
                cgroup: before[index]?.cgroupID ?? 0)
        }
        if settleSeconds > 0, problems.contains(where: { $0 == nil }) { usleep(useconds_t(settleSeconds * 1_000_000)) }
        return gates.indices.map { index in
            let gate = gates[index]
            var problem = problems[index]
            if problem == nil {
                let after = identity(gate.unit)
                if after?.invocation != before[index]?.invocation || after?.activeState != "active" {
                    problem = Self.unstable(gate.unit)
                }
            }
            let routes = answered[index].routes
            var message = "GET \(gate.path) → \(gate.status)"
            if let routes, !routes.isEmpty {
                let passed = routes.filter { $0.outcome == .passed }.count,
                    skipped = routes.filter { $0.outcome == .skipped }.count
                message +=
                    "; \(passed) of \(routes.count) declared routes conform\(skipped > 0 ? " (\(skipped) not asked)" : "")"
            }
            return GateResult(
                prim: gate.prim, passed: problem == nil, enforced: gate.enforce, message: problem ?? message,
                seconds: Date().timeIntervalSince(started), routes: routes, release: gate.release)
        }
    }

    /// Why a unit that answered its gate failed it: it did not stay on that run.
    public func checkUnsettled(_ gates: [HealthGate]) -> [GateResult] {
        var checker = self
        checker.settleSeconds = 0
        return checker.check(gates)
    }

    public static func unstable(_ unit: String) -> String {
        "\(unit) answered but did not stay up: it restarted or stopped within \(settle) s of its gate"
    }

    func identity(_ unit: String) -> UnitIdentity? {
        try? bus.identity(unit: unit)
    }

    /// How one gate's requests went: why the port does not answer as the gate expects (nil when it
    /// does), and each declared route's result (nil when the health path never answered).
    struct Answer {
        var problem: String?
        var routes: [RouteResult]?
    }

    /// The most of a prim's answer a gate reads: the status and headers are what it judges.
    static let maxBody = 64 * 1024
    /// How long all of one prim's conformance requests may take together.
    static let conformanceSeconds = 10.0

    /// Whether a unit's run has ended since a gate began (`UnitIdentity.ended`), asked on a connection
    /// of the calling thread's own, at most every `interval`.
    final class Watch {
        let address: String?
        let unit: String
        let before: UnitIdentity
        var bus: SystemdBus?
        var asked = Date.distantPast
        static let interval = 0.2

        init(address: String?, unit: String, before: UnitIdentity) {
            self.address = address
            self.unit = unit
            self.before = before
        }

        /// How the run ended (`activating (auto-restart)`), or nil while it goes on or cannot be asked.
        func ended() -> String? {
            guard Date().timeIntervalSince(asked) >= Self.interval else { return nil }
            asked = Date()
            if bus == nil { bus = try? SystemdBus(address: address) }
            guard let now = try? bus?.identity(unit: unit), now.ended(since: before) else { return nil }
            return now.invocation != before.invocation ? "started again" : "\(now.activeState) (\(now.subState))"
        }
    }

    /// `ended`: how the unit's run ended, when it has; the gate then fails at once instead of
    /// waiting out its timeout for a process that is gone.
    static func answers(_ gate: HealthGate, started: Date, ended: () -> String? = { nil }) -> Answer {
        let deadline = started.addingTimeInterval(gate.timeout)
        let base = "http://127.0.0.1:\(gate.port)"
        var last = "no answer"
        while true {
            if let how = ended() {
                return Answer(
                    problem:
                        "\(gate.unit) exited before GET \(gate.path) answered \(gate.status) (\(last) after \(String(format: "%.1f", Date().timeIntervalSince(started))) s): the unit is \(how); its journal says why",
                    routes: nil)
            }
            if let response = try? HTTPClient.request(
                "GET", base + gate.path, headers: [Conformance.probeHeader: "health"],
                timeout: 2, maxBodyBytes: Self.maxBody)
            {
                if response.status == gate.status { break }
                last = "answered \(response.status)"
            }
            if Date() > deadline {
                return Answer(
                    problem:
                        "GET \(gate.path) on port \(gate.port) \(last) within \(Int(gate.timeout)) s, expected \(gate.status)",
                    routes: nil)
            }
            usleep(50_000)
        }
        // A prim cannot hold the apply with slow routes: all its routes share one time budget.
        let budget = Date().addingTimeInterval(Self.conformanceSeconds)
        let routes = gate.probes.map { probe -> RouteResult in
            guard let path = probe.path, probe.unasked == nil else {
                return Conformance.judge(probe, gate.expect, status: nil, headers: [:])
            }
            let left = budget.timeIntervalSinceNow
            guard left > 0.05 else {
                return RouteResult(
                    route: probe.route, outcome: .failed, status: nil,
                    message:
                        "\(probe.method) \(path) was not asked: the prim's routes took the gate's \(Int(Self.conformanceSeconds)) s for conformance"
                )
            }
            let body: [UInt8]? = ["POST", "PUT", "PATCH"].contains(probe.method) ? Array("{}".utf8) : nil
            var headers = [Conformance.probeHeader: "conformance"]
            if body != nil { headers["Content-Type"] = "application/json" }
            let response = try? HTTPClient.request(
                probe.method, base + path, headers: headers,
                body: body, timeout: min(5, left), maxBodyBytes: Self.maxBody)
            return Conformance.judge(
                probe, gate.expect, status: response?.status, headers: response?.headers ?? [:],
                interim: response?.interim ?? [])
        }
        let failed = routes.filter { $0.outcome == .failed }
        guard failed.isEmpty else {
            return Answer(
                problem: "\(failed.count) of \(routes.count) declared routes do not conform: "
                    + failed.map(\.message).joined(separator: "; "),
                routes: routes)
        }
        return Answer(problem: nil, routes: routes)
    }

    /// Why `port` is not held by `unit` alone (nil when it is): what a route may be moved to.
    public func owner(of port: Int, unit: String) -> String? {
        let cgroup = identity(unit)?.cgroupID ?? 0
        return Self.owners(
            PortOwners.holders(of: [port], expected: { _ in [cgroup] })[port] ?? [], port: port, unit: unit,
            cgroup: cgroup)
    }

    /// Why the answer on `port` cannot be the unit's: a listener outside its cgroup, or none.
    static func owners(_ holders: [PortHolder], port: Int, unit: String, cgroup: UInt64) -> String? {
        guard !holders.isEmpty else { return "port \(port) answered, but no process of this host listens on it" }
        let foreign = holders.filter { $0.cgroupID != cgroup || cgroup == 0 }
        guard foreign.isEmpty else {
            return
                "port \(port) answered, but it is held by \(foreign.map(\.description).joined(separator: ", ")), not by \(unit)"
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
