import NIOCore
import NIOHTTPTypes

/// One connection's share of the listener's limits: it is registered (and may evict the
/// longest-waiting connection past the cap), and closed when its request head does not arrive
/// within `headerSeconds`.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let registry: ConnectionRegistry
    let headerSeconds: Int64
    var deadline: Scheduled<Void>?

    init(registry: ConnectionRegistry, headerSeconds: Int64) {
        self.registry = registry
        self.headerSeconds = headerSeconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        if let evicted = registry.admit(channel) {
            evicted.close(promise: nil)
            if evicted === channel { return }
        }
        arm(channel)
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
        if case .head = unwrapInboundIn(data) {
            deadline?.cancel()
            deadline = nil
            registry.busy(context.channel)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            registry.waiting(context.channel)
            arm(context.channel)
        }
        context.write(data, promise: promise)
    }

    /// Closes the connection unless a request head arrives within `headerSeconds`.
    func arm(_ channel: any Channel) {
        deadline?.cancel()
        deadline = channel.eventLoop.scheduleTask(in: .seconds(headerSeconds)) { channel.close(promise: nil) }
    }
}
