import PrimModel
import PrimX402
import XCTest

/// Keccak-256, the EIP-712 domain separators and digests, and the signatures, pinned against
/// vectors made by x402's Python package and eth_account (RFC 6979: signatures are deterministic).
final class VectorTests: XCTestCase {
    /// Anvil's first development key; its address is the vectors' payer.
    static let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    static let payer = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    static let payTo = Address("0x209693Bc6afc0C5328bA36FaF03C514EF312287C")!
    static let nonce = Hex.decode("0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480")!

    static func transfer(from: Address) -> EIP712.Transfer {
        EIP712.Transfer(
            from: from, to: payTo, value: UInt256(10000), validAfter: UInt256(1740672089),
            validBefore: UInt256(1740672154), nonce: nonce)
    }

    /// The networks validation accepts for PRIM_NETWORK are the ones the gate knows USDC on.
    func testKnownNetworksAgree() {
        XCTAssertEqual(Network.known.map(\.id), USDC.networks)
        for network in Network.known { XCTAssertEqual(Address(strict: network.usdc.checksummed), network.usdc) }
    }

    func testKeccak256() {
        XCTAssertEqual(
            Hex.encode(Keccak256.hash([])), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        XCTAssertEqual(
            Hex.encode(Keccak256.hash("abc")), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        // Two blocks: 200 bytes crosses the 136-byte rate.
        XCTAssertEqual(
            Hex.encode(Keccak256.hash([UInt8](repeating: 0xa3, count: 200))),
            "0x3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a")
        // The padding edges: 135 bytes pads to one block (0x81), 136 needs a second block.
        XCTAssertEqual(
            Hex.encode(Keccak256.hash([UInt8](repeating: 0x78, count: 135))),
            "0x16570bdb055e663ea1cb57ac6f09194f4bc7b7070847971fc0b86710366dc34f")
        XCTAssertEqual(
            Hex.encode(Keccak256.hash([UInt8](repeating: 0x78, count: 136))),
            "0x50da8ef3747b7a7f01d08563aa11c72a2a668563fb928adc6e8d2a1ab4e36096")
    }

    func testTypeHashes() {
        XCTAssertEqual(
            Hex.encode(Keccak256.hash(EIP712.transferType)),
            "0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267")
        XCTAssertEqual(
            Hex.encode(Keccak256.hash(EIP712.domainType)),
            "0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f")
    }

    func testBaseSepolia() throws {
        let wallet = try XCTUnwrap(Wallet(privateKeyHex: Self.key))
        XCTAssertEqual(wallet.address.description, Self.payer)
        XCTAssertEqual(
            Hex.encode(Network.baseSepolia.domain.separator),
            "0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818")
        let digest = EIP712.digest(Self.transfer(from: wallet.address), domain: Network.baseSepolia.domain)
        XCTAssertEqual(Hex.encode(digest), "0x50708d3bf7216e1aeabe7bf22081b9f36c7c287530f92510318f13a03d89dc86")
        let signature = try XCTUnwrap(Secp256k1.sign(digest: digest, key: Hex.decode(Self.key)!))
        XCTAssertEqual(
            Hex.encode(signature),
            "0xdc53a4a579de989368a0fae2ef2172ff2f474b4297013f865d171239f17ef4c3157b4b4030f1bebc53d55ace15c2377dff501a60e1e56c291f1000d6e78f082f1b"
        )
        XCTAssertEqual(try Secp256k1.recover(digest: digest, signature: signature), wallet.address)
    }

    func testBase() throws {
        let wallet = try XCTUnwrap(Wallet(privateKeyHex: Self.key))
        XCTAssertEqual(
            Hex.encode(Network.base.domain.separator),
            "0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f")
        let digest = EIP712.digest(Self.transfer(from: wallet.address), domain: Network.base.domain)
        XCTAssertEqual(Hex.encode(digest), "0x7e9613714edd92ad20fa5b252ec168245031911a3438dd20225f083b6a688f8a")
        let signature = try XCTUnwrap(Secp256k1.sign(digest: digest, key: Hex.decode(Self.key)!))
        XCTAssertEqual(
            Hex.encode(signature),
            "0xa70a7d235fd4218a3ed6625525892efed6fd1ac6a193ba612bb9da921620bce74885a8f7f56d2dc2f46005b7d6a089ae3469455a911004b6c4a6ab600677f56c1c"
        )
    }

    func testRecoveryRefusesHighSAndBadV() throws {
        let digest = EIP712.digest(Self.transfer(from: Address(Self.payer)!), domain: Network.baseSepolia.domain)
        let signature = try XCTUnwrap(Secp256k1.sign(digest: digest, key: Hex.decode(Self.key)!))
        XCTAssertThrowsError(try Secp256k1.recover(digest: digest, signature: Secp256k1.twin(of: signature))) {
            XCTAssertEqual($0 as? Secp256k1.Refusal, .highS)
        }
        var badV = signature
        badV[64] = 1
        XCTAssertThrowsError(try Secp256k1.recover(digest: digest, signature: badV)) {
            XCTAssertEqual($0 as? Secp256k1.Refusal, .recoveryByte(1))
        }
        XCTAssertThrowsError(try Secp256k1.recover(digest: digest, signature: Array(signature.prefix(64))))
        var tampered = digest
        tampered[0] ^= 1
        XCTAssertNotEqual(try Secp256k1.recover(digest: tampered, signature: signature), Address(Self.payer))
    }

    func testChecksummedAddress() {
        XCTAssertEqual(Address(Self.payer)!.checksummed, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        XCTAssertEqual(Self.payTo.checksummed, "0x209693Bc6afc0C5328bA36FaF03C514EF312287C")
    }

    func testUInt256() {
        XCTAssertEqual(
            UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639935")?
                .description,
            "115792089237316195423570985008687907853269984665640564039457584007913129639935")
        XCTAssertNil(UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936"))
        XCTAssertNil(UInt256(decimal: "-1"))
        XCTAssertNil(UInt256(decimal: "1e6"))
        XCTAssertEqual(UInt256(decimal: "000123"), UInt256(123))
    }
}
