/// What the systemd manager says about a unit.
public struct UnitRuntime: Sendable, Equatable, Codable {
    /// `loaded`, `not-found`, `masked`…
    public var loadState: String
    /// `active`, `inactive`, `failed`, `activating`…
    public var activeState: String
    public var subState: String

    public init(loadState: String, activeState: String, subState: String = "") {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
    }

    public var isRunning: Bool { activeState == "active" || activeState == "activating" || activeState == "reloading" }
}
