/// USDC amounts: 6 decimals; "$0.05" is 50000 atomic units.
public enum USDC {
    public static let decimals = 6
    /// The networks (CAIP-2) prim knows USDC's contract and EIP-712 domain on: Base and Base Sepolia
    /// (PrimX402's `Network.known`).
    public static let networks = ["eip155:8453", "eip155:84532"]

    /// "$0.05", "0.05" or "$1" → atomic units; nil for anything else (more than 6 decimals, signs, exponents).
    public static func atomic(_ text: String) -> UInt64? {
        var body = Substring(text)
        if body.hasPrefix("$") { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 9,
            whole.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= decimals, fraction.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            parts.count == 1 || !fraction.isEmpty
        else { return nil }
        fraction += String(repeating: "0", count: decimals - fraction.count)
        return UInt64(whole)! * 1_000_000 + UInt64(fraction)!
    }

    /// 12000 → "$0.012"; whole cents keep two decimals ("$0.05", "$1.00").
    public static func dollars(_ atomic: UInt64) -> String {
        let whole = atomic / 1_000_000
        var fraction = String(atomic % 1_000_000)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "$\(whole).\(fraction)"
    }
}
