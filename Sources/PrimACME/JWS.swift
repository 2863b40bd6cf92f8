import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request body to an ACME server: JWS flattened JSON (RFC 7515 §7.2.2) signed ES256 with the
/// account key. The protected header carries the account's `kid` once it has one, else its `jwk`
/// (only newAccount), and always the `nonce` and the `url` (RFC 8555 §6.2).
public enum JWS {
    struct Protected: Encodable {
        var alg = "ES256"
        var jwk: AccountKey.JWK?
        var kid: String?
        var nonce: String
        var url: String
    }

    struct Body: Encodable {
        var protected: String
        var payload: String
        var signature: String
    }

    /// The body for `url`: `payload` as JSON, or nil for POST-as-GET (an empty payload, §6.3).
    public static func body(
        payload: [UInt8]?, url: String, nonce: String, key: AccountKey, kid: String?
    ) throws -> [UInt8] {
        let header = Protected(jwk: kid == nil ? key.jwk : nil, kid: kid, nonce: nonce, url: url)
        let protected = Base64URL.encode(try PrimJSON.wire().encode(header))
        let encodedPayload = payload.map { Base64URL.encode($0) } ?? ""
        let signature = try key.sign(Array("\(protected).\(encodedPayload)".utf8))
        return Array(
            try PrimJSON.wire().encode(
                Body(protected: protected, payload: encodedPayload, signature: Base64URL.encode(signature))))
    }
}
