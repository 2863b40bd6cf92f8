import PrimModel
import PrimStatus

/// One unpaid request a prim's `routes_map` calls for: a paid route must answer 402 with a valid
/// x402 challenge, a free route neither 402 nor 5xx.
public struct ConformanceProbe: Sendable, Equatable {
    /// `METHOD /path` as declared.
    public var route: String
    public var method: String
    /// The path requested: the declared one, or its `example` when it has parameters; nil when
    /// the route has parameters and no example (reported as skipped).
    public var path: String?
    public var paid: Bool
    /// The route's own `price`, when it declares one.
    public var price: UInt64?
    /// Why the route is not asked at all (a free route whose method can change data); nil when it is.
    public var unasked: String?

    public init(route: String, method: String, path: String?, paid: Bool, price: UInt64?, unasked: String? = nil) {
        self.route = route
        self.method = method
        self.path = path
        self.paid = paid
        self.price = price
        self.unasked = unasked
    }
}

/// What a prim's x402 challenge must say: the host's `PRIM_PAY_TO` and `PRIM_NETWORK` as the prim
/// gets them, and the prim's declared prices.
public struct ChallengeExpectation: Sendable, Equatable {
    public var payTo: String?
    public var network: String?
    /// The dollar prices of the prim's `pricing`.
    public var prices: [UInt64]

    public init(payTo: String?, network: String?, prices: [UInt64]) {
        self.payTo = payTo
        self.network = network
        self.prices = prices
    }
}

/// Conformance to `routes_map`: which requests to send, and what their answers mean. Pure; the
/// health checker sends the requests.
public enum Conformance {
    /// The header every request of a gate carries, so a prim can tell them from its users' (and,
    /// say, leave them out of its own metrics): `Prim-Probe: health` on the health path,
    /// `Prim-Probe: conformance` on a declared route.
    public static let probeHeader = "Prim-Probe"

    /// Methods that change nothing by definition (RFC 9110 §9.2.1); a free route is asked only
    /// with one of them, unless it says it is safe to repeat.
    public static let safeMethods: Set<String> = ["GET", "HEAD"]

    /// One probe per declared route, in declaration order. A gate never sends a request that can
    /// change data: a paid route is asked unpaid (it must answer 402 before doing anything), a free
    /// one only when its method is safe or the route is marked `safe_to_repeat: true`.
    public static func probes(_ prim: Prim) -> [ConformanceProbe] {
        prim.routes.map { route in
            let asked = route.isPaid || (route.safeToRepeat ?? safeMethods.contains(route.method))
            return ConformanceProbe(
                route: route.name, method: route.method, path: route.hasParameters ? route.example : route.path,
                paid: route.isPaid, price: route.price,
                unasked: asked
                    ? nil
                    : route.safeToRepeat == false
                        ? "\(route.name) was not asked: the prim marks it 'safe_to_repeat: false'"
                        : "\(route.name) was not asked: a free \(route.method) can change data, and a gate sends nothing that can; mark the route 'safe_to_repeat: true' if an unpaid request to it changes nothing"
            )
        }
    }

    /// The expectation for a prim given `env`, the value its env file gives a key.
    public static func expectation(_ prim: Prim, env: (String) -> String?) -> ChallengeExpectation {
        func given(_ key: String) -> String? { env(key).flatMap { $0.isEmpty ? nil : $0 } }
        return ChallengeExpectation(payTo: given("PRIM_PAY_TO"), network: given("PRIM_NETWORK"), prices: prim.prices)
    }
}
