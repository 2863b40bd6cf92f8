import PrimModel
import PrimSystem
import PrimX402
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What prim has paid DNS providers since the process started (primd's metrics).
public enum DNSPayments {
    static let totals = Mutex<(count: Int, atomic: UInt64)>((0, 0))

    public static var snapshot: (count: Int, atomic: UInt64) { totals.withLock { $0 } }

    static func add(_ amount: UInt64) {
        totals.withLock {
            $0.count += 1; $0.atomic += amount
        }
    }
}

/// Sends a request and, on a 402, pays it from the host's wallet with x402 (v2, `exact`): picks a
/// requirement the wallet accepts within the per-call cap, refuses beyond the budget, signs the
/// EIP-3009 authorization, sends the request again once with `PAYMENT-SIGNATURE`. A paid call is
/// never sent a third time: an answer that leaves it unclear is for the caller to resolve.
final class X402Payer: @unchecked Sendable {
    let wallet: Wallet
    let limits: SpendingLimits
    /// The most this payer may pay in all.
    let budget: UInt64
    let paid = Mutex<UInt64>(0)
    var spent: UInt64 { paid.withLock { $0 } }
    let what: String

    init(wallet: Wallet, limits: SpendingLimits, budget: UInt64, what: String) {
        self.wallet = wallet
        self.limits = limits
        self.budget = budget
        self.what = what
    }

    func send(_ method: String, _ url: String, body: [UInt8]? = nil, timeout: Double = 20) throws -> HTTPResponse {
        var headers = ["Accept": "application/json"]
        if body != nil { headers["Content-Type"] = "application/json" }
        let first = try HTTPClient.request(method, url, headers: headers, body: body, timeout: timeout)
        guard first.status == 402 else { return first }
        guard let header = first.headers["payment-required"],
            let required = HeaderCoding.decode(PaymentRequired.self, from: header)
        else {
            throw SystemError(
                "\(what) answered \(method) \(url) with 402 and no x402 challenge (PAYMENT-REQUIRED); it cannot be paid",
                class: .transient)
        }
        let option: PaymentRequirements
        switch limits.choose(required) {
        case .success(let choice): option = choice
        case .failure(let refusal):
            throw SystemError(
                "\(what) asks for a payment prim will not make for \(method) \(url): \(refusal.message); raise dns.max_per_call or fix dns.network in the host config"
            )
        }
        let amount = UInt256(decimal: option.amount)?.uint64 ?? .max
        let allowed: Bool = paid.withLock { spent in
            guard spent <= budget, amount <= budget - spent else { return false }
            spent += amount
            return true
        }
        guard allowed else {
            throw SystemError(
                "paying \(what) \(USDC.dollars(amount)) for \(method) \(url) would pass dns.max_spend (\(USDC.dollars(budget)) an apply, \(USDC.dollars(spent)) paid); nothing more is sent. Raise dns.max_spend in the host config, or apply fewer changes"
            )
        }
        let payment: PaymentPayload
        do {
            payment = try wallet.pay(option, resource: required.resource, now: UInt64(Date().timeIntervalSince1970))
        } catch {
            paid.withLock { $0 -= amount }
            throw SystemError("cannot sign a payment for \(what): \(error)")
        }
        headers["PAYMENT-SIGNATURE"] = HeaderCoding.encode(payment)
        let second: HTTPResponse
        do {
            second = try HTTPClient.request(method, url, headers: headers, body: body, timeout: timeout)
        } catch {
            throw SystemError(
                "\(method) \(url) to \(what) got no answer after prim paid it (\(error)); the call may have been done and paid: it is not sent again blindly",
                class: .transient)
        }
        let settled = second.headers["payment-response"].flatMap { HeaderCoding.decode(SettleResponse.self, from: $0) }
        if settled?.success == true {
            DNSPayments.add(amount)
        } else {
            paid.withLock { $0 -= amount }
        }
        if second.status == 402 {
            let reason =
                second.headers["payment-required"].flatMap { HeaderCoding.decode(PaymentRequired.self, from: $0) }?
                .error ?? "no reason given"
            throw SystemError("\(what) did not take prim's payment for \(method) \(url): \(reason)", class: .transient)
        }
        return second
    }
}
