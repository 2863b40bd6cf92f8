import Crypto
import PrimAgeFormat

/// age (age-encryption.org/v1) with X25519 recipients, from the spec (c2sp.org/age) on swift-crypto:
/// header with stanzas and MAC, STREAM payload in 64 KiB chunks, ASCII armor. Strict: canonical
/// base64, exact stanza shapes, all-zero shared secrets refused, unknown stanzas ignored.
public enum Age {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Not an age file, or its header is malformed.
        case format(String)
        /// No stanza opens with the identity: the file is not encrypted to it.
        case noMatch
        /// The header MAC or a payload chunk does not verify: the file is damaged or was altered.
        case damaged(String)
        case invalidKey(String)

        public var description: String {
            switch self {
            case .format(let why): return "not a valid age file: \(why)"
            case .noMatch: return "not encrypted to this host's recipient"
            case .damaged(let why): return "damaged: \(why)"
            case .invalidKey(let why): return "invalid age key: \(why)"
            }
        }
    }

    static let version = Array("age-encryption.org/v1".utf8)
    static let chunkSize = 64 * 1024

    // MARK: keys

    /// An X25519 identity (`AGE-SECRET-KEY-1…`).
    public struct Identity: Sendable {
        let key: Curve25519.KeyAgreement.PrivateKey

        public init() { key = Curve25519.KeyAgreement.PrivateKey() }

        public init(_ text: String) throws(Failure) {
            guard let (hrp, data) = Bech32.decode(text.trimmedASCII), hrp == "age-secret-key-", data.count == 32,
                let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: data)
            else {
                throw .invalidKey("not an AGE-SECRET-KEY-1… identity")
            }
            self.key = key
        }

        /// The first identity of a key file as `age-keygen` writes it (`#` lines and blank lines ignored).
        public init(keyFile: String) throws(Failure) {
            guard
                let line = keyFile.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
                    .map({ String($0).trimmedASCII }).first(where: { !$0.isEmpty && !$0.hasPrefix("#") })
            else {
                throw .invalidKey("the key file holds no identity")
            }
            try self.init(line)
        }

        public var encoded: String {
            Bech32.encode(hrp: "AGE-SECRET-KEY-", data: Array(key.rawRepresentation), uppercase: true)
        }
        public var recipient: Recipient { Recipient(key: key.publicKey) }
    }

    /// An X25519 recipient (`age1…`).
    public struct Recipient: Sendable, Equatable {
        let bytes: [UInt8]
        var key: Curve25519.KeyAgreement.PublicKey { try! .init(rawRepresentation: bytes) }

        init(key: Curve25519.KeyAgreement.PublicKey) { bytes = Array(key.rawRepresentation) }

        public init(_ text: String) throws(Failure) {
            guard let (hrp, data) = Bech32.decode(text.trimmedASCII), hrp == "age", data.count == 32,
                (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: data)) != nil
            else {
                throw .invalidKey("'\(text)' is not an age1… recipient")
            }
            bytes = data
        }

        public var encoded: String { Bech32.encode(hrp: "age", data: bytes) }
    }

    // MARK: encrypt

    public static func encrypt(
        _ plaintext: [UInt8], to recipients: [Recipient], armored: Bool = false
    ) throws(Failure) -> [UInt8] {
        guard !recipients.isEmpty else { throw .invalidKey("no recipients") }
        let fileKey = random(16)
        var header = version + [0x0A]
        for recipient in recipients {
            let ephemeral = Curve25519.KeyAgreement.PrivateKey()
            let share = Array(ephemeral.publicKey.rawRepresentation)
            guard let shared = try? x25519(ephemeral, recipient.bytes) else {
                throw .invalidKey("recipient \(recipient.encoded) is a low-order point")
            }
            let wrapKey = hkdf(shared, salt: share + recipient.bytes, info: "age-encryption.org/v1/X25519")
            let body = seal(fileKey, key: wrapKey, nonce: [UInt8](repeating: 0, count: 12))
            header += Array(
                "-> X25519 \(StrictBase64.encode(share, padded: false))\n\(StrictBase64.encode(body, padded: false))\n"
                    .utf8)
        }
        header += Array("---".utf8)
        let mac = HMAC<SHA256>.authenticationCode(
            for: header, using: SymmetricKey(data: hkdf(fileKey, salt: [], info: "header")))
        header += Array(" \(StrictBase64.encode(Array(mac), padded: false))\n".utf8)
        let nonce = random(16)
        let payloadKey = hkdf(fileKey, salt: nonce, info: "payload")
        var file = header + nonce
        var offset = 0, counter: UInt64 = 0
        repeat {
            let end = min(offset + chunkSize, plaintext.count)
            let last = end == plaintext.count
            file += seal(Array(plaintext[offset..<end]), key: payloadKey, nonce: chunkNonce(counter, last: last))
            offset = end
            counter += 1
        } while offset < plaintext.count
        return armored ? Array(armor(file).utf8) : file
    }

    // MARK: decrypt

    /// Decrypts a binary or armored age file with `identity`.
    public static func decrypt(_ input: [UInt8], with identity: Identity) throws(Failure) -> [UInt8] {
        let file = try isArmored(input) ? dearmor(input) : input
        let header = try parseHeader(file)
        let (stanzas, headerEnd, mac, macInput) = (header.stanzas, header.end, header.mac, header.macInput)
        var fileKey: [UInt8]?
        let own = Array(identity.key.publicKey.rawRepresentation)
        for stanza in stanzas where stanza.args.first == "X25519" {
            guard stanza.args.count == 2, let share = StrictBase64.decode(Array(stanza.args[1].utf8), padded: false),
                share.count == 32
            else {
                throw .format("an X25519 stanza must have one 32-byte share")
            }
            guard stanza.body.count == 32 else { throw .format("an X25519 stanza's body must be 32 bytes") }
            guard let shared = try? x25519(identity.key, share) else {
                throw .damaged("an X25519 share is a low-order point")
            }
            let wrapKey = hkdf(shared, salt: share + own, info: "age-encryption.org/v1/X25519")
            if let key = open(stanza.body, key: wrapKey, nonce: [UInt8](repeating: 0, count: 12)), key.count == 16 {
                fileKey = key
                break
            }
        }
        guard let fileKey else { throw .noMatch }
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: macInput,
                using: SymmetricKey(data: hkdf(fileKey, salt: [], info: "header")))
        else {
            throw .damaged("the header's MAC does not verify")
        }
        var offset = headerEnd
        guard file.count - offset >= 16 else { throw .damaged("the payload nonce is missing") }
        let payloadKey = hkdf(fileKey, salt: Array(file[offset..<offset + 16]), info: "payload")
        offset += 16
        var plaintext: [UInt8] = []
        var counter: UInt64 = 0
        let sealed = chunkSize + 16
        while true {
            let remaining = file.count - offset
            guard remaining >= 16 else { throw .damaged("the payload ends before its final chunk") }
            let size = min(sealed, remaining)
            let chunk = Array(file[offset..<offset + size])
            let last = remaining <= sealed
            if let opened = open(chunk, key: payloadKey, nonce: chunkNonce(counter, last: last)) {
                if last, opened.isEmpty, counter > 0 { throw .damaged("an empty final chunk") }
                plaintext += opened
                offset += size
                if last { return plaintext }
            } else if !last, remaining > sealed,
                open(chunk, key: payloadKey, nonce: chunkNonce(counter, last: true)) != nil
            {
                throw .damaged("data after the final chunk")
            } else {
                throw .damaged("payload chunk \(counter) does not verify")
            }
            counter += 1
        }
    }

    // MARK: armor

    public static func armor(_ file: [UInt8]) -> String { AgeFile.armor(file) }

    static func isArmored(_ input: [UInt8]) -> Bool { AgeFile.isArmored(input) }

    static func dearmor(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        do { return try AgeFile.dearmor(input) } catch { throw .format(error.message) }
    }

    static func parseHeader(_ file: [UInt8]) throws(Failure) -> AgeFile.Header {
        do { return try AgeFile.header(file) } catch { throw .format(error.message) }
    }

    // MARK: primitives

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func hkdf(_ key: [UInt8], salt: [UInt8], info: String) -> [UInt8] {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key), salt: salt, info: Array(info.utf8), outputByteCount: 32
        )
        .withUnsafeBytes { Array($0) }
    }

    /// X25519, refusing an all-zero result (swift-crypto returns it without complaint).
    struct LowOrder: Error {}
    static func x25519(_ key: Curve25519.KeyAgreement.PrivateKey, _ point: [UInt8]) throws -> [UInt8] {
        let shared = try key.sharedSecretFromKeyAgreement(with: .init(rawRepresentation: point)).withUnsafeBytes {
            Array($0)
        }
        guard shared.contains(where: { $0 != 0 }) else { throw LowOrder() }
        return shared
    }

    static func chunkNonce(_ counter: UInt64, last: Bool) -> [UInt8] {
        [0, 0, 0] + (0..<8).map { UInt8(counter >> UInt64(8 * (7 - $0)) & 0xFF) } + [last ? 1 : 0]
    }

    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]) -> [UInt8] {
        let box = try! ChaChaPoly.seal(plaintext, using: SymmetricKey(data: key), nonce: ChaChaPoly.Nonce(data: nonce))
        return Array(box.ciphertext) + Array(box.tag)
    }

    static func open(_ sealed: [UInt8], key: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 16, let nonce = try? ChaChaPoly.Nonce(data: nonce),
            let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
        else { return nil }
        return (try? ChaChaPoly.open(box, using: SymmetricKey(data: key))).map { Array($0) }
    }
}

extension String {
    var trimmedASCII: String {
        String(
            decoding: Array(
                utf8.drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }.reversed().drop {
                    [0x20, 0x09, 0x0A, 0x0D].contains($0)
                }.reversed()), as: UTF8.self)
    }
}
