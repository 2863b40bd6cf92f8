/// Where a prim's env value comes from. Shown in plans and status in place of the value.
public enum ValueSource: String, Sendable, Codable, Hashable {
    /// `env:` of the host's file in git: public.
    case host
    /// The host's secret store, filled by the operator (`primctl secret set`); only for a secret
    /// declared `external: true` that lists the prim.
    case store
    /// The secret's own `encrypted:` value in git, decrypted with this host's identity.
    case encrypted

    /// How a plan says it.
    public var phrase: String {
        switch self {
        case .host: return "from the host's file"
        case .store: return "from the host's secret store"
        case .encrypted: return "from git, encrypted"
        }
    }
}

/// A secret's value as the host has it, with where it came from.
public struct SecretValue: Sendable, Hashable {
    public var value: String
    public var source: ValueSource

    public init(_ value: String, source: ValueSource) {
        self.value = value
        self.source = source
    }
}
