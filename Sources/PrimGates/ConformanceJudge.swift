import PrimEngine
import PrimModel
import PrimStatus
import PrimX402

/// What a prim's answers to its conformance probes mean: the x402 challenge a paid route must
/// give, checked with x402's own wire objects.
extension Conformance {
    /// What the answer to `probe` says. `status` nil: no answer. `headers` are lowercased names.
    /// `interim`: the 1xx answers sent before it.
    public static func judge(
        _ probe: ConformanceProbe, _ expect: ChallengeExpectation, status: Int?, headers: [String: String],
        interim: [Int] = []
    ) -> RouteResult {
        func result(_ outcome: RouteResult.Outcome, _ message: String) -> RouteResult {
            RouteResult(route: probe.route, outcome: outcome, status: status, message: message)
        }
        if let unasked = probe.unasked { return result(.skipped, unasked) }
        guard let path = probe.path else {
            return result(
                .skipped,
                "\(probe.route) has path parameters and no example; add 'example: <a path it serves>' to the route to check it"
            )
        }
        let request = "\(probe.method) \(path) without payment"
        guard let status else { return result(.failed, "\(request) got no answer") }
        guard probe.paid else {
            if status == 402 {
                return result(
                    .failed,
                    "\(request) answered 402, but routes_map lists no 402 for it: serve it free, or declare '{ status: 402, code: payment_required }' in its errors"
                )
            }
            if status >= 500 { return result(.failed, "\(request) answered \(status): a free route must not fail") }
            return result(.passed, "\(request) answered \(status)")
        }
        guard status == 402 else {
            return result(
                .failed,
                "\(request) answered \(status), expected 402 with an x402 challenge: the route is paid in routes_map")
        }
        guard interim.isEmpty else {
            return result(
                .failed,
                "\(request) sent an interim \(interim.map(String.init).joined(separator: ", ")) before its 402: some clients (Python's http.client) take that as the answer and never see the challenge"
            )
        }
        guard let header = headers[X402.requiredHeader.lowercased()] else {
            return result(
                .failed,
                "\(request) answered 402 without a \(X402.requiredHeader) header: an agent cannot learn what to pay")
        }
        guard let challenge = HeaderCoding.decode(PaymentRequired.self, from: header) else {
            let why = HeaderCoding.ambiguity(header) ?? "is not base64 JSON of an x402 PaymentRequired"
            return result(.failed, "\(request): its \(X402.requiredHeader) header \(why)")
        }
        let problems = self.problems(challenge, probe, expect)
        guard problems.isEmpty else {
            return result(.failed, "\(request): the x402 challenge \(problems.joined(separator: "; "))")
        }
        return result(.passed, "\(request) answered 402 with a valid x402 challenge")
    }

    /// What is wrong with a decoded challenge; empty when it is consistent with the prim and host.
    /// Every offer in `accepts` is judged (an agent may take any of them), and one must be on the
    /// host's network.
    static func problems(
        _ challenge: PaymentRequired, _ probe: ConformanceProbe, _ expect: ChallengeExpectation
    ) -> [String] {
        guard challenge.x402Version == X402.version else {
            return ["says x402Version \(challenge.x402Version), expected \(X402.version)"]
        }
        guard !challenge.accepts.isEmpty else { return ["accepts no payment (its 'accepts' is empty)"] }
        var problems: [String] = []
        if let network = expect.network, !challenge.accepts.contains(where: { $0.network == network }) {
            problems.append(
                "asks for network '\(Quoting.shown(challenge.accepts[0].network))', but the host's PRIM_NETWORK is '\(network)'"
            )
        }
        for (index, offer) in challenge.accepts.enumerated() {
            let label = challenge.accepts.count == 1 ? "" : "offer \(index + 1) "
            problems += self.problems(offer, probe, expect).map { label + $0 }
        }
        return problems
    }

    /// What is wrong with one offer of a challenge.
    static func problems(
        _ offer: PaymentRequirements, _ probe: ConformanceProbe, _ expect: ChallengeExpectation
    ) -> [String] {
        var problems: [String] = []
        if offer.scheme != "exact" {
            problems.append("offers scheme '\(Quoting.shown(offer.scheme))', expected 'exact'")
        }
        if let known = Network.named(offer.network) {
            if Address(strict: offer.asset) != known.usdc {
                problems.append(
                    "asks for asset \(Quoting.shown(offer.asset)), which is not USDC on \(offer.network) (\(known.usdc.checksummed))"
                )
            }
            // A client signs for the token's EIP-712 domain as `extra` names it: a wrong one makes every payment fail.
            let name = offer.extra?["name"], version = offer.extra?["version"]
            if name != .string(known.tokenName) || version != .string(known.tokenVersion) {
                func quoted(_ value: JSONValue?) -> String {
                    if case .string(let text)? = value { return "'\(Quoting.shown(text))'" }
                    return "none"
                }
                problems.append(
                    "names the token's EIP-712 domain in 'extra' as name \(quoted(name)), version \(quoted(version)); USDC's on \(offer.network) is name '\(known.tokenName)', version '\(known.tokenVersion)', which clients sign for"
                )
            }
        } else if expect.network == nil || offer.network != expect.network {
            problems.append(
                "asks for network '\(Quoting.shown(offer.network))', which is not one prim knows (\(Network.known.map(\.id).joined(separator: ", ")))"
            )
        }
        if let payTo = Address(strict: offer.payTo) {
            if let expected = expect.payTo, Address(expected) != payTo {
                problems.append("pays to \(payTo.checksummed), but the host's PRIM_PAY_TO is \(expected)")
            }
        } else {
            problems.append(
                "pays to '\(Quoting.shown(offer.payTo))', which is not an address (0x and 40 hex digits, EIP-55 checksummed or in lower case)"
            )
        }
        guard let amount = atomicUnits(offer.amount) else {
            problems.append(
                "asks for amount '\(Quoting.shown(offer.amount))', expected a whole number of atomic units above zero, in digits"
            )
            return problems
        }
        if let price = probe.price {
            if amount != price {
                problems.append("asks for \(USDC.dollars(amount)), but the route's price is \(USDC.dollars(price))")
            }
        } else if !expect.prices.isEmpty, !expect.prices.contains(amount) {
            problems.append(
                "asks for \(USDC.dollars(amount)), which is none of the prim's prices (\(expect.prices.map(USDC.dollars).joined(separator: ", ")))"
            )
        }
        return problems
    }

    /// An amount as x402 writes one: digits only, no sign, no leading zero, above zero.
    static func atomicUnits(_ text: String) -> UInt64? {
        guard let first = text.first, first != "0", text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(text)
    }
}
