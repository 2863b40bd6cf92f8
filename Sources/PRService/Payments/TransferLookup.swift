import Foundation
import PrimModel
import PrimSystem
import PrimX402

/// What the chain says became of one EIP-3009 authorization `(payer, nonce)`.
public enum TransferEvidence: Sendable, Equatable {
    /// USDC's `AuthorizationUsed(payer, nonce)` and, in the same transaction, `Transfer(payer → payTo, price)`.
    case paid(transaction: String)
    /// The nonce was used by a transaction that did not pay `payTo` the price (the payer spent it
    /// elsewhere, or cancelled it): nothing was paid to pr.sh.
    case elsewhere(transaction: String)
    /// No transaction has used the nonce (yet).
    case notFound
    /// The chain could not be asked.
    case unknown(String)
}

/// Looks up on chain whether a payment's authorization paid pr.sh: the evidence pr.sh needs when a
/// facilitator reports a nonce used after a settle whose answer never came.
public protocol TransferLookup: Sendable {
    func evidence(payer: Address, nonce: String, payTo: Address, amount: UInt64, network: Network) -> TransferEvidence
}

/// An Ethereum JSON-RPC endpoint of the payment's network (`eth_blockNumber`, `eth_getLogs`,
/// `eth_getTransactionReceipt`): the logs USDC (FiatTokenV2) emits, over the last
/// `lookbackBlocks` blocks (longer than pr.sh keeps a payment in its journal).
public struct ChainRPCLookup: TransferLookup {
    public var url: String
    public var timeout: Double
    public var lookbackBlocks: UInt64

    public init(url: String, timeout: Double = 10, lookbackBlocks: UInt64 = 10_000) {
        self.url = url
        self.timeout = timeout
        self.lookbackBlocks = lookbackBlocks
    }

    static let authorizationUsed = Hex.encode(Keccak256.hash("AuthorizationUsed(address,bytes32)"))
    static let transfer = Hex.encode(Keccak256.hash("Transfer(address,address,uint256)"))

    /// An address as an indexed topic: 32 bytes, left-padded.
    static func topic(_ address: Address) -> String { Hex.encode([UInt8](repeating: 0, count: 12) + address.bytes) }

    /// A JSON-RPC quantity (`0x1a`) as a number.
    static func quantity(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : nil
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    public func evidence(
        payer: Address, nonce: String, payTo: Address, amount: UInt64, network: Network
    ) -> TransferEvidence {
        do {
            guard (try call("eth_chainId", []) as? String).flatMap(Self.quantity) == network.chainId else {
                return .unknown("the chain lookup does not serve \(network.id)")
            }
            guard let latest = (try call("eth_blockNumber", []) as? String).flatMap(Self.quantity) else {
                return .unknown("the chain lookup gave no block number")
            }
            let from = latest > lookbackBlocks ? latest - lookbackBlocks : 0
            let filter: [String: Any] = [
                "address": network.usdc.description, "fromBlock": "0x" + String(from, radix: 16), "toBlock": "latest",
                "topics": [Self.authorizationUsed, Self.topic(payer), nonce.lowercased()],
            ]
            guard let logs = try call("eth_getLogs", [filter]) as? [[String: Any]] else {
                return .unknown("eth_getLogs gave no list")
            }
            guard let used = logs.first(where: { ($0["removed"] as? Bool) != true }),
                let transaction = used["transactionHash"] as? String
            else {
                return .notFound
            }
            guard let receipt = try call("eth_getTransactionReceipt", [transaction]) as? [String: Any] else {
                return .notFound
            }
            return Self.verdict(
                used: used, receipt: receipt, transaction: transaction, payer: payer, payTo: payTo, amount: amount,
                network: network)
        } catch {
            return .unknown(
                "the chain lookup failed: \("\(error)".replacingOccurrences(of: url, with: "the chain endpoint"))")
        }
    }

    /// Whether the transaction whose `AuthorizationUsed` log is `used` paid `payTo` with that
    /// authorization. FiatTokenV2 marks the authorization used, then transfers: the Transfer this
    /// authorization made is the log right after its AuthorizationUsed. Any other Transfer in the
    /// transaction (a batch of several authorizations) paid for something else.
    static func verdict(
        used: [String: Any], receipt: [String: Any], transaction: String, payer: Address, payTo: Address,
        amount: UInt64, network: Network
    ) -> TransferEvidence {
        guard (receipt["status"] as? String) == "0x1", let entries = receipt["logs"] as? [[String: Any]] else {
            return .elsewhere(transaction: transaction)
        }
        func index(_ log: [String: Any]) -> UInt64? { (log["logIndex"] as? String).flatMap(quantity) }
        guard let usedIndex = index(used) else { return .unknown("the chain's log has no logIndex") }
        let wanted = [Self.transfer, Self.topic(payer), Self.topic(payTo)]
        let paid = entries.contains { log in
            index(log) == usedIndex + 1
                && (log["address"] as? String).flatMap { Address($0) } == network.usdc
                && ((log["topics"] as? [String]) ?? []).map { $0.lowercased() } == wanted
                && (log["data"] as? String).flatMap { Hex.decode($0, count: 32) } == UInt256(amount).bytes
        }
        return paid ? .paid(transaction: transaction) : .elsewhere(transaction: transaction)
    }

    func call(_ method: String, _ params: [Any]) throws -> Any? {
        let body = try JSONSerialization.data(
            withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": method, "params": params] as [String: Any])
        let response = try HTTPClient.request(
            "POST", url, headers: ["Content-Type": "application/json"], body: Array(body), timeout: timeout)
        guard (200..<300).contains(response.status),
            let answer = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else {
            throw Failure(description: "\(method) answered HTTP \(response.status)")
        }
        if let error = answer["error"] as? [String: Any] {
            throw Failure(description: "\(method): \(error["message"] ?? "error")")
        }
        return answer["result"]
    }
}
