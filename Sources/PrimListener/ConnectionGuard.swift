import NIOCore
import NIOHTTPTypes

/// One connection's share of the listener's limits: it is registered (and may evict the
/// longest-waiting connection past the cap), and closed when its request head does not arrive
/// within `headerSeconds`, or its whole request within `requestSeconds`.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let registry: ConnectionRegistry
    let headerSeconds: Int64
    let requestSeconds: Int64
    var deadline: Scheduled<Void>?

    init(registry: ConnectionRegistry, headerSeconds: Int64, requestSeconds: Int64) {
        self.registry = registry
        self.headerSeconds = headerSeconds
        self.requestSeconds = requestSeconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        if let evicted = registry.admit(channel) {
            evicted.close(promise: nil)
            if evicted === channel { return }
        }
        arm(channel, seconds: headerSeconds)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        registry.remove(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        registry.remove(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            // The head is in; the body must follow within the request's deadline, and until it
            // has, the connection may still be evicted for a new one.
            arm(context.channel, seconds: requestSeconds)
        case .end:
            deadline?.cancel()
            deadline = nil
            registry.busy(context.channel)
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            registry.waiting(context.channel)
            arm(context.channel, seconds: headerSeconds)
        }
        context.write(data, promise: promise)
    }

    /// Closes the connection unless what it waits for arrives within `seconds`.
    func arm(_ channel: any Channel, seconds: Int64) {
        deadline?.cancel()
        deadline = channel.eventLoop.scheduleTask(in: .seconds(seconds)) { channel.close(promise: nil) }
    }
}
