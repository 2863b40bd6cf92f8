import Foundation

/// Who is calling: the wallet that authors the change and is rate limited.
///
/// Today the wallet comes from the `X-Wallet` header. An x402 resolver can later derive
/// it from the `X-PAYMENT` header's payer instead; the service only sees this protocol.
public protocol IdentityResolver: Sendable {
    /// `headers` keys are lower-case.
    func wallet(from headers: [String: String]) throws(ServiceError) -> String
}

/// Reads the wallet from `X-Wallet`: an EVM address, `0x` and 40 hex digits.
public struct WalletHeaderIdentity: IdentityResolver {
    public static let header = "X-Wallet"

    public init() {}

    public func wallet(from headers: [String: String]) throws(ServiceError) -> String {
        guard let value = headers[Self.header.lowercased()]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw ServiceError(
                .unauthorized, "send your wallet address in the \(Self.header) header (0x followed by 40 hex digits)",
                field: Self.header)
        }
        let hex = value.dropFirst(2)
        guard value.hasPrefix("0x"), hex.utf8.count == 40, hex.utf8.allSatisfy(Self.isASCIIHex) else {
            throw ServiceError(.unauthorized, "\(Self.header) must be 0x followed by 40 hex digits", field: Self.header)
        }
        return value.lowercased()
    }

    /// `0`–`9`, `a`–`f`, `A`–`F` only: Character.isHexDigit also takes full-width digits.
    static func isASCIIHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
