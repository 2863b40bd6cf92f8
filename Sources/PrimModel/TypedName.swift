/// A name from an open set: typed constants in the code, the plain string on the wire, so a value
/// a newer version wrote still reads (Flux's `meta.ReadyCondition` style). `Set` says which set
/// (conditions, their reasons, check names, DNS providers); each set's constants are an extension
/// `where Set == …`.
public struct TypedName<Set>: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}
