/// Where a prim is in its life, which decides whether and how it is deployed.
public enum PrimStatus: String, Sendable, Codable, CaseIterable {
    case idea, planning, building, testing, live, hold

    /// Reads a status, accepting upstream's later names (`testnet`, `mainnet`).
    public init?(upstream text: String) {
        switch text {
        case "testnet": self = .testing
        case "mainnet": self = .live
        default: self.init(rawValue: text)
        }
    }

    /// Every spelling accepted in a state file.
    public static let accepted = allCases.map(\.rawValue) + ["testnet", "mainnet"]

    /// Whether the prim gets a unit, an env file, a route and DNS.
    public var isDeployed: Bool { self == .testing || self == .live || self == .hold }

    /// Whether its unit should be running.
    public var runs: Bool { self == .testing || self == .live }
}
