import Dispatch
import Foundation
import PrimModel
import PrimSystem
import PrimX402
import Synchronization

/// pr.sh's cashier: builds each paid call's x402 requirements from its own settings and the
/// policy's price, checks a payment's terms and signature itself (the payer it proves is the
/// caller's identity), reserves `(payer, nonce)` durably, and settles with the facilitator
/// **before** any work is done. The header is never logged or stored.
public final class PaymentDesk: Sendable {
    public struct Settings: Sendable {
        public var network: Network
        public var payTo: Address
        /// How long an authorization may be valid (`maxTimeoutSeconds`).
        public var maxTimeoutSeconds = 300

        public init(network: Network, payTo: Address) {
            self.network = network
            self.payTo = payTo
        }
    }

    /// A settled payment: who paid, and the `PAYMENT-RESPONSE` header to answer with.
    public struct Receipt: Sendable {
        public var payer: String
        public var header: String
        let key: String
    }

    public let settings: Settings
    let facilitator: Facilitator
    /// The chain, asked when a facilitator reports a nonce used after a settle whose answer never
    /// came; nil: such a payment stays pending (no work, no second charge).
    let lookup: TransferLookup?
    let now: @Sendable () -> Date
    struct Books: ~Copyable {
        var journal: PaymentJournal
        /// Payments being settled or used by a request right now.
        var inFlight: Set<String> = []
    }
    let books: Mutex<Books>

    public init(
        _ settings: Settings, facilitator: Facilitator, lookup: TransferLookup? = nil, journal path: String,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.settings = settings
        self.facilitator = facilitator
        self.lookup = lookup
        self.now = now
        let journal = try PaymentJournal(path: path, now: UInt64(now().timeIntervalSince1970))
        books = Mutex(Books(journal: journal))
    }

    public func requirements(price: UInt64) -> PaymentRequirements {
        PaymentRequirements(
            network: settings.network, amount: price, payTo: settings.payTo,
            maxTimeoutSeconds: settings.maxTimeoutSeconds)
    }

    /// A 402 with the challenge for `price`, saying why.
    public func challenge(price: UInt64, resource: ResourceInfo, reason: String) -> ServiceError {
        var error = ServiceError(
            .paymentRequired,
            "\(reason); this call costs \(USDC.dollars(price)) in USDC on \(settings.network.id): pay the challenge in the \(X402.requiredHeader) header and send the payment in \(X402.signatureHeader) (see /llms.txt)",
            field: X402.signatureHeader)
        error.paymentRequired = HeaderCoding.encode(
            PaymentRequired(error: reason, resource: resource, accepts: [requirements(price: price)]))
        return error
    }

    /// Checks a payment's terms and signature, and that it was not used already. Takes nothing:
    /// a refusal here costs the caller nothing.
    public func verify(
        _ header: String, price: UInt64, resource: ResourceInfo
    ) throws(ServiceError) -> PaymentCheck.Verified {
        let verified: PaymentCheck.Verified
        do {
            verified = try PaymentCheck.verify(header: header, requirements: requirements(price: price), now: seconds())
        } catch {
            if error.status == 400 {
                throw ServiceError(.invalidRequest, "\(error.reason): \(error.message)", field: X402.signatureHeader)
            }
            throw challenge(price: price, resource: resource, reason: "\(error.reason): \(error.message)")
        }
        let key = Self.key(verified)
        let refusal: ServiceError? = books.withLock { books in
            books.inFlight.contains(key) ? Self.inUse() : spent(books.journal[key], price: price, resource: resource)
        }
        if let refusal { throw refusal }
        return verified
    }

    /// Most settlements in flight at once; more are answered 503 at once (free), so a slow
    /// facilitator cannot tie up every request.
    public static let concurrentSettlements = 16

    /// Reserves the payment, then settles it (or, after a restart, takes the settlement already
    /// recorded for this same request). Only a settled payment returns; the work it pays for runs
    /// after this. `request` names the call and its body: a payment pays for that request only.
    public func settle(
        _ verified: PaymentCheck.Verified, price: UInt64, request action: String, resource: ResourceInfo
    ) async throws(ServiceError) -> Receipt {
        let key = Self.key(verified)
        let reserved: Result<(settled: PaymentJournal.Entry?, unsure: Bool), ServiceError> = books.withLock { books in
            if books.inFlight.contains(key) { return .failure(Self.inUse()) }
            guard books.inFlight.count < Self.concurrentSettlements else {
                var busy = ServiceError(
                    .unavailable,
                    "pr.sh is settling \(Self.concurrentSettlements) payments already; nothing was charged: send the same \(X402.signatureHeader) again in a few seconds",
                    field: X402.signatureHeader)
                busy.retryAfter = 2
                return .failure(busy)
            }
            let entry = books.journal[key]
            switch entry?.state {
            case .done?, .failed?: return .failure(spent(entry, price: price, resource: resource)!)
            case .settled?:
                // Settled before a restart, its work not recorded: it may finish that same request
                // (whose work is idempotent: a PR already opened is answered as it is), nothing else.
                guard entry?.action == action else { return .failure(Self.used(entry!)) }
                books.inFlight.insert(key)
                return .success((entry, false))
            case nil, .reserved?, .pending?:
                if let entry, entry.action != action { return .failure(Self.used(entry)) }
                do {
                    try books.journal.record(
                        .init(key: key, state: .reserved, validBefore: verified.validBefore, action: action))
                } catch {
                    return .failure(
                        ServiceError(.internalError, "cannot record the payment before settling it: \(error)"))
                }
                books.inFlight.insert(key)
                return .success((nil, entry != nil))
            }
        }
        let recorded: PaymentJournal.Entry?
        let unsure: Bool
        switch reserved {
        case .failure(let error): throw error
        case .success(let found): (recorded, unsure) = found
        }
        if let recorded, let transaction = recorded.transaction {
            return receipt(verified, transaction: transaction, key: key)
        }
        let requirements = requirements(price: price)
        let facilitator = self.facilitator
        // On a thread of its own: a slow facilitator must not hold the server's workers.
        let settings = self.settings
        let lookup = self.lookup
        let clock = self.seconds
        let outcome = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var outcome = facilitator.settle(verified.payload, requirements: requirements, payer: verified.payer)
                // A payment whose earlier settle had no clear answer: that settle may have moved the
                // money, so no refusal now is final ("nonce used" proves nothing either: the payer
                // may have spent it elsewhere meanwhile). Only the chain's record decides.
                if case .refused(let reason, let message, _) = outcome, unsure {
                    outcome = Self.confirm(
                        verified, price: price, settings: settings, lookup: lookup,
                        refusal: "\(reason): \(message)", expired: clock() > verified.validBefore + 60)
                }
                continuation.resume(returning: outcome)
            }
        }
        do {
            switch outcome {
            case .settled(let answer):
                try note(key, .settled, verified, transaction: answer.transaction, action: action)
                return Receipt(payer: verified.payer.description, header: HeaderCoding.encode(answer), key: key)
            case .refused(let reason, let message, let answer):
                try note(key, .failed, verified, reason: reason, action: action)
                release(key)
                var error = challenge(
                    price: price, resource: resource,
                    reason: "the facilitator refused the payment (\(reason): \(message)); nothing was charged")
                error.paymentResponse = answer.map { HeaderCoding.encode($0) }
                throw error
            case .unknown(let why):
                try note(key, .pending, verified, reason: why, action: action)
                release(key)
                var error = ServiceError(
                    .unavailable,
                    "\(why). Nothing was done and the call is not charged twice: send the same \(X402.signatureHeader) again in a few seconds; do not sign a new payment",
                    field: X402.signatureHeader)
                error.retryAfter = 5
                throw error
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            release(key)
            throw ServiceError(.internalError, "cannot record the payment's settlement: \(error)")
        }
    }

    /// What the chain says of a payment whose nonce the facilitator reports used after an unclear
    /// settle: settled by that transaction only when it moved the price from the payer to payTo.
    /// - Parameters:
    ///   - refusal: what the facilitator answered this time.
    ///   - expired: the authorization's window closed (with a margin): nothing can use its nonce any more.
    static func confirm(
        _ verified: PaymentCheck.Verified, price: UInt64, settings: Settings, lookup: TransferLookup?,
        refusal: String, expired: Bool
    ) -> SettleOutcome {
        guard let lookup else {
            return .unknown(
                "the facilitator refused this payment (\(refusal)) after an earlier settle gave no answer, which may have paid; pr.sh has no chain lookup (--chain-rpc) to confirm either way, so the request is held until the operator configures one"
            )
        }
        switch lookup.evidence(
            payer: verified.payer, nonce: verified.nonce, payTo: settings.payTo, amount: price,
            network: settings.network)
        {
        case .paid(let transaction):
            return .settled(
                SettleResponse(
                    success: true, payer: verified.payer.checksummed, transaction: transaction,
                    network: settings.network.id))
        case .elsewhere(let transaction):
            return .refused(
                reason: "nonce_spent_elsewhere",
                message:
                    "transaction \(transaction) used this authorization's nonce without paying \(settings.payTo.checksummed) \(USDC.dollars(price))",
                nil)
        case .notFound where expired:
            let reason = String(refusal.prefix { $0 != ":" })
            return .refused(
                reason: reason, message: "\(refusal); the authorization expired and no transaction used its nonce", nil)
        case .notFound:
            return .unknown(
                "the facilitator refused this payment (\(refusal)), but an earlier settle gave no answer and no transaction has used its nonce yet"
            )
        case .unknown(let why):
            return .unknown(
                "the facilitator refused this payment (\(refusal)) after an earlier settle gave no answer, and the chain cannot confirm either way now (\(why))"
            )
        }
    }

    /// Marks a settled payment used by the work it paid for.
    public func finish(_ receipt: Receipt, pullRequest: Int?) {
        books.withLock { books in
            if var entry = books.journal[receipt.key] {
                entry.state = .done
                entry.pullRequest = pullRequest
                try? books.journal.record(entry)
            }
            books.inFlight.remove(receipt.key)
        }
    }

    /// Why the journal says a payment cannot pay again: used, or refused by the facilitator.
    func spent(_ entry: PaymentJournal.Entry?, price: UInt64, resource: ResourceInfo) -> ServiceError? {
        switch entry?.state {
        case .done?: return Self.used(entry!)
        case .failed?:
            return challenge(
                price: price, resource: resource,
                reason: "this payment failed to settle (\(entry?.reason ?? "refused")); sign a new one")
        default: return nil
        }
    }

    func receipt(_ verified: PaymentCheck.Verified, transaction: String, key: String) -> Receipt {
        let answer = SettleResponse(
            success: true, payer: verified.payer.checksummed, transaction: transaction, network: settings.network.id)
        return Receipt(payer: verified.payer.description, header: HeaderCoding.encode(answer), key: key)
    }

    func note(
        _ key: String, _ state: PaymentJournal.State, _ verified: PaymentCheck.Verified, transaction: String? = nil,
        reason: String? = nil, action: String
    ) throws {
        try books.withLock { books in
            try books.journal.record(
                .init(
                    key: key, state: state, validBefore: verified.validBefore, transaction: transaction,
                    reason: reason, action: action))
        }
    }

    func release(_ key: String) {
        _ = books.withLock { $0.inFlight.remove(key) }
    }

    func seconds() -> UInt64 { UInt64(max(0, now().timeIntervalSince1970)) }

    static func key(_ verified: PaymentCheck.Verified) -> String { "\(verified.payer):\(verified.nonce)" }

    static func inUse() -> ServiceError {
        ServiceError(
            .conflict, "this payment is being used by another request right now; each payment pays for one call",
            field: X402.signatureHeader)
    }

    static func used(_ entry: PaymentJournal.Entry) -> ServiceError {
        var error = ServiceError(
            .conflict,
            "this payment was already used\(entry.pullRequest.map { " (PR #\($0))" } ?? ""); each payment pays for one call: sign a new one for this call",
            field: X402.signatureHeader)
        error.pullRequest = entry.pullRequest
        return error
    }
}
