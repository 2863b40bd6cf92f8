/// How one declared route answered.
public struct RouteResult: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable { case passed, failed, skipped }

    public var route: String
    public var outcome: Outcome
    /// The status it answered, if it answered.
    public var status: Int?
    public var message: String

    public init(route: String, outcome: Outcome, status: Int?, message: String) {
        self.route = route
        self.outcome = outcome
        self.status = status
        self.message = message
    }
}
