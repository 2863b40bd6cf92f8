/// An `address:port` pair as the host config and the command lines give it (`127.0.0.2:8470`,
/// `[::1]:53`): the port after the last colon, the address without brackets.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// nil unless `text` is `address:port` with a non-empty address and a port from 0 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        let host = String(text[..<colon].filter { $0 != "[" && $0 != "]" })
        guard !host.isEmpty else { return nil }
        (self.host, self.port) = (host, port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
