/// The two ports a prim's versions alternate between: the one it declares and that plus `offset`.
/// A new version starts on the one the serving version does not hold. Declared ports stay at or
/// below `maxDeclared`, and no prim may declare another's alternate, so the ports of two prims
/// never meet.
public enum HandoverPorts {
    public static let offset = 10000
    public static let maxDeclared = 65535 - offset

    public static func alternate(of port: Int) -> Int { port + offset }
}
