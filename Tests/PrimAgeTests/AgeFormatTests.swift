import Foundation
import PrimAgeFormat
import XCTest

@testable import PrimAge

/// The age format against its spec vector, strict decoding, round trips at chunk boundaries, and
/// every rejection the spec requires.
final class AgeFormatTests: XCTestCase {
    func testTheSpecsKeyVectorAndBech32Strictness() throws {
        let identity = try Age.Identity("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        XCTAssertEqual(identity.recipient.encoded, "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
        XCTAssertEqual(identity.encoded, "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        XCTAssertThrowsError(
            try Age.Recipient("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwJ"), "mixed case")
        XCTAssertThrowsError(
            try Age.Recipient("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwq"), "bad checksum")
        XCTAssertThrowsError(
            try Age.Identity("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"),
            "a recipient is not an identity")
    }

    func testBase64IsCanonicalOnly() {
        XCTAssertEqual(StrictBase64.decode(Array("Zm8".utf8), padded: false), Array("fo".utf8))
        XCTAssertNil(StrictBase64.decode(Array("Zm9".utf8), padded: false), "non-zero trailing bits")
        XCTAssertNil(StrictBase64.decode(Array("Zm8=".utf8), padded: false), "padding where none is allowed")
        XCTAssertEqual(StrictBase64.decode(Array("Zm8=".utf8), padded: true), Array("fo".utf8))
        XCTAssertNil(StrictBase64.decode(Array("Zm9=".utf8), padded: true))
        XCTAssertNil(StrictBase64.decode(Array("Zm8".utf8), padded: true), "armor needs its padding")
        XCTAssertNil(StrictBase64.decode(Array("Zm\n8".utf8), padded: false))
    }

    func testRoundTripsAtChunkBoundariesArmoredAndBinaryToTwoRecipients() throws {
        let first = Age.Identity(), second = Age.Identity()
        for size in [0, 1, 65_536, 65_537, 131_072, 200_000] {
            let plaintext = Age.random(size)
            for armored in [false, true] {
                let file = try Age.encrypt(plaintext, to: [first.recipient, second.recipient], armored: armored)
                XCTAssertEqual(try Age.decrypt(file, with: first), plaintext, "\(size) bytes, armored \(armored)")
                XCTAssertEqual(
                    try Age.decrypt(file, with: second), plaintext,
                    "\(size) bytes, armored \(armored), second recipient")
            }
        }
        XCTAssertEqual(
            try Age.encrypt([], to: [first.recipient]).count, 200, "an empty plaintext is 168 + 16 + 16 bytes")
    }

    func failure(_ file: [UInt8], _ identity: Age.Identity) -> Age.Failure? {
        do { _ = try Age.decrypt(file, with: identity); return nil } catch { return error }
    }

    func testRejections() throws {
        let identity = Age.Identity()
        let file = try Age.encrypt(Array("canary".utf8), to: [identity.recipient])
        XCTAssertEqual(failure(file, Age.Identity()), .noMatch, "another identity")

        var flipped = file
        flipped[flipped.count - 3] ^= 0x01
        XCTAssertEqual(failure(flipped, identity), .damaged("payload chunk 0 does not verify"))
        XCTAssertEqual(
            failure(Array(file.dropLast()), identity), .damaged("payload chunk 0 does not verify"), "truncated")
        XCTAssertEqual(failure(file + [0], identity), .damaged("payload chunk 0 does not verify"), "trailing data")

        let text = String(decoding: file, as: UTF8.self)
        let header = text.components(separatedBy: "\n---")[0]
        let withExtra = header + "\n-> grease x\nYWJj" + text.dropFirst(header.count)
        XCTAssertEqual(
            failure(Array(withExtra.utf8), identity), .damaged("the header's MAC does not verify"), "an extra stanza")

        let zero = StrictBase64.encode([UInt8](repeating: 0, count: 32), padded: false)
        let lines = header.split(separator: "\n").map(String.init)
        let lowOrder =
            ([lines[0], "-> X25519 \(zero)", lines[2]] + lines.dropFirst(3)).joined(separator: "\n")
            + text.dropFirst(header.count)
        XCTAssertEqual(failure(Array(lowOrder.utf8), identity), .damaged("an X25519 share is a low-order point"))

        let share = lines[1].split(separator: " ")[2]
        var nonCanonical = Array(share.utf8)
        // The last character of 43 carries 2 unused bits: set one.
        let last = StrictBase64.values[Int(nonCanonical[42])]
        XCTAssertEqual(last & 3, 0, "canonical: the two unused bits are zero")
        nonCanonical[42] = StrictBase64.alphabet[Int(last | 1)]
        let bad = text.replacingOccurrences(of: String(share), with: String(decoding: nonCanonical, as: UTF8.self))
        XCTAssertEqual(failure(Array(bad.utf8), identity), .format("an X25519 stanza must have one 32-byte share"))

        let armored = try Age.encrypt(Array("canary".utf8), to: [identity.recipient], armored: true)
        XCTAssertEqual(
            try Age.decrypt(armored + Array("\n\n".utf8), with: identity), Array("canary".utf8),
            "whitespace after the block")
        XCTAssertEqual(
            failure(armored + Array("junk\n".utf8), identity),
            .format("the armor does not begin and end with the age markers"))
        let crlf = String(decoding: armored, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
        XCTAssertEqual(try Age.decrypt(Array(crlf.utf8), with: identity), Array("canary".utf8), "CRLF armor")
        XCTAssertEqual(failure(Array("not age".utf8), identity), .format("the header ends without a newline"))
    }

    func testSwiftCryptoReturnsAnAllZeroSecretWhichWeRefuse() throws {
        XCTAssertThrowsError(try Age.x25519(.init(), [UInt8](repeating: 0, count: 32)))
    }
}

/// Interop both ways with Debian's `age` and `age-keygen`.
final class AgeInteropTests: XCTestCase {
    func run(_ arguments: [String], input: [UInt8] = []) throws -> (status: Int32, out: [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, [UInt8](out))
    }

    func testAgeEncryptsPrimDecryptsAndBack() throws {
        let directory = NSTemporaryDirectory() + "prim-age-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyFile = "\(directory)/key.txt"
        XCTAssertEqual(try run(["/usr/bin/age-keygen", "-o", keyFile]).status, 0)
        let identity = try Age.Identity(keyFile: try String(contentsOfFile: keyFile, encoding: .utf8))
        let recipient = String(decoding: try run(["/usr/bin/age-keygen", "-y", keyFile]).out, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(identity.recipient.encoded, recipient)
        let other = Age.Identity()
        for size in [0, 1, 65_536, 65_537] {
            let plaintext = Age.random(size)
            for armor in [false, true] {
                let byAge = try run(["/usr/bin/age", "-r", recipient] + (armor ? ["-a"] : []), input: plaintext)
                XCTAssertEqual(byAge.status, 0)
                XCTAssertEqual(
                    try Age.decrypt(byAge.out, with: identity), plaintext, "age → prim, \(size) bytes, armor \(armor)")
                let byPrim = try Age.encrypt(plaintext, to: [identity.recipient, other.recipient], armored: armor)
                let decrypted = try run(["/usr/bin/age", "-d", "-i", keyFile], input: byPrim)
                XCTAssertEqual(decrypted.status, 0)
                XCTAssertEqual(decrypted.out, plaintext, "prim → age, \(size) bytes, armor \(armor), two recipients")
            }
        }
        // A key prim makes works with age too.
        try (other.encoded + "\n").write(toFile: "\(directory)/other.txt", atomically: true, encoding: .utf8)
        let toOther = try run(["/usr/bin/age", "-r", other.recipient.encoded], input: Array("x".utf8))
        XCTAssertEqual(
            try run(["/usr/bin/age", "-d", "-i", "\(directory)/other.txt"], input: toOther.out).out, Array("x".utf8))
    }
}
