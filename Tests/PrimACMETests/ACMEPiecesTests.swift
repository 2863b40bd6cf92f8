import Crypto
import Foundation
import PrimACME
import SwiftASN1
import X509
import XCTest

/// The pure pieces of prim's ACME client against vectors computed independently (Python's
/// `cryptography` 48 and hashlib, for RFC 6979's P-256 test key) and against swift-certificates'
/// own parser.
final class ACMEPiecesTests: XCTestCase {
    /// RFC 6979 A.2.5's P-256 private key.
    static let scalar: [UInt8] = Array(
        Data(hexString: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!)

    func testTheJWKThumbprintAndDNS01ValueMatchAnIndependentImplementation() throws {
        let key = try AccountKey(rawScalar: Self.scalar)
        XCTAssertEqual(key.jwk.x, "YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y")
        XCTAssertEqual(key.jwk.y, "eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk")
        XCTAssertEqual(key.thumbprint, "DOvxvJiAdIqVWIkFt5hDtCunXLF0BV4-JGv4f-ALSm0")
        // RFC 8555 §8.4's example token.
        XCTAssertEqual(
            key.dns01Value("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"), "jBe9m-TkL_mXXuTnxF15Pxu9Y9Z04DWzxA58xfX1lrU"
        )
        XCTAssertFalse("\(key)".contains(key.pem), "printing the key names its thumbprint, never the key")
    }

    func testAJWSVerifiesWithTheAccountsPublicKeyAndCarriesKidOrJWK() throws {
        let key = try AccountKey(rawScalar: Self.scalar)
        let body = try JWS.body(
            payload: Array("{\"identifiers\":[]}".utf8), url: "https://ca/new-order", nonce: "n1", key: key,
            kid: "https://ca/acct/1")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        let protected = try XCTUnwrap(object["protected"]), payload = try XCTUnwrap(object["payload"])
        let header = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Self.decode(protected)) as? [String: Any])
        XCTAssertEqual(header["alg"] as? String, "ES256")
        XCTAssertEqual(header["kid"] as? String, "https://ca/acct/1")
        XCTAssertEqual(header["nonce"] as? String, "n1")
        XCTAssertEqual(header["url"] as? String, "https://ca/new-order")
        XCTAssertNil(header["jwk"], "after newAccount the account is named by kid only")
        let signature = try P256.Signing.ECDSASignature(
            rawRepresentation: Self.decode(try XCTUnwrap(object["signature"])))
        let publicKey = try P256.Signing.PublicKey(rawRepresentation: Self.decode(key.jwk.x) + Self.decode(key.jwk.y))
        XCTAssertTrue(publicKey.isValidSignature(signature, for: Array("\(protected).\(payload)".utf8)))
        XCTAssertFalse(
            publicKey.isValidSignature(signature, for: Array("\(protected).e30".utf8)), "bound to the payload")

        let first = try JWS.body(payload: nil, url: "https://ca/new-acct", nonce: "n2", key: key, kid: nil)
        let firstObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first)) as? [String: String])
        XCTAssertEqual(firstObject["payload"], "", "POST-as-GET has an empty payload")
        let firstHeader = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Self.decode(try XCTUnwrap(firstObject["protected"]))) as? [String: Any])
        XCTAssertEqual((firstHeader["jwk"] as? [String: String])?["x"], key.jwk.x)
        XCTAssertNil(firstHeader["kid"])
    }

    func testTheCSRNamesEveryNameAndIsSignedByTheCertificateKey() throws {
        let request = SigningRequest(names: ["*.prim.test", "prim.test"])
        let csr = try CertificateSigningRequest(derEncoded: request.der())
        let names = try XCTUnwrap(csr.attributes.extensionRequest?.extensions.subjectAlternativeNames)
        XCTAssertEqual(Array(names), [.dnsName("*.prim.test"), .dnsName("prim.test")])
        XCTAssertEqual(csr.subject.description, "CN=*.prim.test")
        XCTAssertTrue(request.keyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        XCTAssertTrue(csr.publicKey.isValidSignature(csr.signature, for: csr))
    }

    static func decode(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64) ?? Data()
    }
}

extension Data {
    init?(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
