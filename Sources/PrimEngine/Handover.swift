#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One prim's move to a new version, passed between the kinds of one apply: the units' stage
/// starts and gates the version, the route's stage moves Caddy's traffic to it, and the units'
/// execution waits out the version's settle (it serves meanwhile), then drains and stops what it
/// replaces; a version that did not stay up is stopped and its route goes back (`reverted`).
public struct Handover: Sendable, Equatable {
    public var prim: String
    /// The version's unit (`prim-<id>@<version>.service`) and the port it listens on.
    public var unit: String
    public var port: Int?
    /// The units it replaces: older versions, or the prim's unit from before versions.
    public var replaces: [String]
    /// The ports those listen on, drained before they stop.
    public var replacedPorts: [Int]
    /// Whether the prim's route must move to it (it has one, and it does not point there yet).
    public var movesRoute: Bool
    /// The port the prim's route sent its traffic to before (the version it replaces serves there).
    public var routedFrom: Int?
    /// Whether Caddy now sends the prim's traffic to it.
    public var routed = false
    /// Its gate passed, and it must still be on the same run (`InvocationID`) a settle period after
    /// `gatedAt`: its result is reported then (`settled`).
    public var settling: Settling?
    /// It did not stay up through its settle: it stopped, the version it was to replace serves on,
    /// and the route goes back to it.
    public var reverted = false
    /// How long its start and gate took.
    public var seconds = 0.0

    public init(prim: String, unit: String, port: Int?, replaces: [String], replacedPorts: [Int], movesRoute: Bool) {
        self.prim = prim
        self.unit = unit
        self.port = port
        self.replaces = replaces
        self.replacedPorts = replacedPorts
        self.movesRoute = movesRoute
    }
}

/// A version whose gate passed and whose settle is not over yet.
public struct Settling: Sendable, Equatable {
    public var invocation: String
    public var gatedAt: Date
    /// The gate's result, reported once the settle is over.
    public var result: GateResult

    public init(invocation: String, gatedAt: Date, result: GateResult) {
        self.invocation = invocation
        self.gatedAt = gatedAt
        self.result = result
    }
}
