/// One prim's move to a new version, passed between the kinds of one apply: the units' stage
/// starts and gates the version, the route's stage moves Caddy's traffic to it, and the units'
/// execution drains and stops what it replaces.
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
    /// Whether Caddy now sends the prim's traffic to it.
    public var routed = false
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
