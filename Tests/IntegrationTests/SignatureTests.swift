import Foundation
import PrimController
import PrimSigning
import PrimSystem
import XCTest

/// SSH commit signatures read with libgit2 and checked against an allowed-signers file.
final class SignatureTests: XCTestCase {
    func testSignedUnsignedAndStrangerCommits() throws {
        let dir = Paths.temporaryDirectory("prim-signing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["allowed", "stranger"] {
            XCTAssertEqual(
                try Command.run(
                    "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", "\(dir)/\(name)"]
                ).status, 0)
        }
        let key = try String(contentsOfFile: "\(dir)/allowed.pub", encoding: .utf8).split(separator: " ")
        let allowed = SSHSignature.allowedSigners("agent@prim.test \(key[0]) \(key[1])\n")
        try runGit(["init", "-q", "-b", "main", "\(dir)/r"])
        var verdicts: [SSHSignature.Verdict?] = []
        for signer in ["allowed", nil, "stranger"] as [String?] {
            try write(Array(UUID().uuidString.utf8), to: "\(dir)/r/file")
            try runGit(["-C", "\(dir)/r", "add", "-A"])
            let sign = signer.map { ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(dir)/\($0)"] } ?? []
            try runGit(["-C", "\(dir)/r"] + sign + ["commit", "-q"] + (signer == nil ? [] : ["-S"]) + ["-m", "c"])
            let repository = try GitRepository.open("\(dir)/r")
            verdicts.append(
                try repository.signature(of: "HEAD").map {
                    SSHSignature.verify(armored: $0.signature, data: $0.signedData, allowed: allowed)
                })
        }
        XCTAssertEqual(verdicts[0], .valid(principal: "agent@prim.test"))
        XCTAssertNil(verdicts[1], "an unsigned commit has no signature")
        XCTAssertEqual(verdicts[2], .invalid("the commit is signed by a key that is not in the allowed signers"))
    }
}
