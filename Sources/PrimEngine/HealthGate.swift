import Dispatch
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

/// What a prim must answer after it starts: its health path, then one unpaid request per route
/// its `routes_map` declares (conformance).
public struct HealthGate: Sendable, Equatable {
    public var prim: String
    public var unit: String
    public var port: Int
    public var path: String
    public var status: Int
    public var timeout: Double
    /// One request per declared route.
    public var probes: [ConformanceProbe]
    /// What the prim's x402 challenges must say.
    public var expect: ChallengeExpectation
    /// What the prim runs as but for its status (`PrimIdentity`), reported with the result.
    public var release: String?
    /// `live` prims enforce their gate; `testing` prims only report.
    public var enforce: Bool

    public init(
        prim: String, unit: String, port: Int, path: String, status: Int, timeout: Double,
        probes: [ConformanceProbe] = [],
        expect: ChallengeExpectation = ChallengeExpectation(payTo: nil, network: nil, prices: []),
        release: String? = nil, enforce: Bool
    ) {
        self.prim = prim
        self.unit = unit
        self.port = port
        self.path = path
        self.status = status
        self.timeout = timeout
        self.probes = probes
        self.expect = expect
        self.release = release
        self.enforce = enforce
    }

    /// The gates of every deployed, running prim on a host that `desired` renders (a blocked prim
    /// has none), with each prim's env values and code digest.
    public static func gates(
        _ state: DesiredState, host: PrimModel.Host, desired: DesiredHost,
        releases: [String: ReleaseManifest]
    ) -> [String: HealthGate] {
        var gates: [String: HealthGate] = [:]
        let blocked = Set(desired.blocked.map(\.prim))
        for prim in state.deployedPrims(on: host) where prim.status?.runs ?? false && !blocked.contains(prim.id) {
            guard let port = prim.port else { continue }
            let rendering = desired.renderings[prim.id]
            gates[prim.unitName] = HealthGate(
                prim: prim.id, unit: prim.unitName, port: port, path: prim.deploy.health.path,
                status: prim.deploy.health.status,
                timeout: Double(prim.deploy.health.timeoutSeconds), probes: Conformance.probes(prim),
                expect: Conformance.expectation(prim) { rendering?.value($0) },
                release: PrimIdentity.digest(of: prim, release: releases[prim.id], in: state),
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
    /// How each declared route answered (nil in records written before conformance).
    public var routes: [RouteResult]?
    /// What answered (see `HealthGate.release`).
    public var release: String?
    /// The unit's last journal lines, when the gate failed.
    public var journal: [String]?

    public init(
        prim: String, passed: Bool, enforced: Bool, message: String, seconds: Double,
        routes: [RouteResult]? = nil, release: String? = nil
    ) {
        self.prim = prim
        self.passed = passed
        self.enforced = enforced
        self.message = message
        self.seconds = seconds
        self.routes = routes
        self.release = release
    }
}

/// Runs health gates over HTTP (libcurl), concurrently.
public protocol HealthChecker {
    func check(_ gates: [HealthGate]) -> [GateResult]
    /// The gates without their settle period: the caller waits it out (a hand-over, while the new
    /// version already serves).
    func checkUnsettled(_ gates: [HealthGate]) -> [GateResult]
    /// Why `port` is not `unit`'s (another process holds it, or none of this host's); nil when it is.
    func owner(of port: Int, unit: String) -> String?
}

extension PrimRendering {
    /// A gate's result with the prim's secret values redacted from every text the prim's answers
    /// put in it (messages, route messages, journal lines): it is published on status pages and PRs.
    public func redacting(_ result: GateResult) -> GateResult {
        var result = result
        result.message = redacting([result.message])[0]
        result.routes = result.routes.map { routes in
            routes.map { route in
                var route = route
                route.message = redacting([route.message])[0]
                return route
            }
        }
        result.journal = result.journal.map { redacting($0) }
        return result
    }
}
