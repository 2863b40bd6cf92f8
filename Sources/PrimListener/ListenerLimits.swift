import HummingbirdCore
import NIOCore

/// What one client may hold of an HTTP listener (primd's and pr.sh's): a connection cap, and how
/// long a connection may take to send a request head or sit idle. With them a flood of slow or
/// half-sent requests costs the listener a bounded number of descriptors and never the fetch, the
/// apply or `/healthz`.
public struct ListenerLimits: Sendable {
    /// Connections held at once; a new one past it closes the longest-waiting connection whose
    /// request has not fully arrived (or itself, when every one is being answered).
    public var maxConnections = 256
    /// Seconds a connection may take to send a complete request head.
    public var headerSeconds: Int64 = 10
    /// Seconds a connection may take to send a whole request, body included (from its head).
    public var requestSeconds: Int64 = 30
    /// Seconds a kept-alive connection may sit idle.
    public var idleSeconds: Int64 = 30
    /// Bytes of request headers, all together.
    public var maxHeaderBytes = 16 * 1024
    /// The file descriptors the units grant (LimitNOFILE): room for the cap and the work besides.
    public static let descriptorLimit = 4096

    public init() {}

    /// Hummingbird's HTTP/1 server with these limits.
    public func server() -> HTTPServerBuilder {
        let registry = ConnectionRegistry(limit: maxConnections)
        let (headerSeconds, requestSeconds) = (headerSeconds, requestSeconds)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionGuard(registry: registry, headerSeconds: headerSeconds, requestSeconds: requestSeconds)
                ],
                idleTimeout: .seconds(idleSeconds),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes, maxHeaderFieldCount: 100)))
    }
}
