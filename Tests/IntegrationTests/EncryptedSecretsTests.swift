import Foundation
import PrimSystem
import XCTest

/// Secrets committed age-encrypted to the host's recipient, decrypted only on the host; with
/// Debian's `age` as the agent that encrypts.
final class EncryptedSecretsTests: XCTestCase {
    var testbed: Testbed!
    var state = ""
    var recipient = ""
    let canary = "canary-\(UUID().uuidString)"

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        let initialized = try testbed.primctl(["host", "init"])
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        recipient = try XCTUnwrap(initialized.stdout.split(separator: "\n").last.map(String.init))
        XCTAssertTrue(recipient.hasPrefix("age1"), initialized.stdout)
        XCTAssertFalse(initialized.stdout.contains("AGE-SECRET-KEY"), "the identity is never printed")
        var files = ConvergedState.files()
        files["hosts/t.yaml"]! += "secret_recipients: [\(recipient)]\n"
        files["secrets/API_KEY.yaml"] =
            "prims: [alpha]\nencrypted: |\n"
            + (try encrypt(canary, to: recipient)).split(separator: "\n").map { "  \($0)\n" }.joined()
        state = try writeTree(files)
    }

    override func tearDown() {
        testbed?.down()
        try? FileManager.default.removeItem(atPath: state)
    }

    /// `age -a -r <recipient>`, as an agent would run it.
    func encrypt(_ value: String, to recipient: String) throws -> String {
        let result = try Command.run("/usr/bin/age", ["-a", "-r", recipient], input: value)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    var identityFile: String { "\(testbed.directory)/prim/host.key" }

    func testTheHostIdentityIsMadeOnceAndKeptPrivate() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: identityFile)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let again = try testbed.primctl(["host", "init"])
        XCTAssertTrue(again.stdout.contains("This host's identity is at"), again.stdout)
        XCTAssertEqual(again.stdout.split(separator: "\n").last.map(String.init), recipient, "the same identity")
    }

    func testAnEncryptedSecretReachesOnlyItsPrimAndNothingElse() throws {
        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        XCTAssertTrue(try String(contentsOfFile: "\(testbed.envDir)/alpha.env", encoding: .utf8).contains(canary))
        XCTAssertFalse(try String(contentsOfFile: "\(testbed.envDir)/beta.env", encoding: .utf8).contains(canary))
        let pid =
            try testbed.unitProperty("prim-alpha.service", "MainPID", interface: "org.freedesktop.systemd1.Service")
            .split(separator: " ").last.map(String.init) ?? ""
        // The pid is the manager's (its own namespace): read the process's environment from there.
        let environ = try Command.run(
            "/usr/bin/nsenter", ["-t", testbed.environment["SYSTEMD_PID1"]!, "-m", "-p", "cat", "/proc/\(pid)/environ"]
        ).stdout
        XCTAssertTrue(environ.contains("API_KEY=\(canary)"), "the prim's process has the value")

        // Nowhere else: outputs, plans, history, status, and every file but the env file.
        var outputs = [apply.stdout, apply.stderr]
        for arguments in [
            ["diff", "--state", state], ["diff", "--state", state, "--format", "json"], ["history"],
            ["history", "--format", "json"], ["status", "--format", "json"],
        ] {
            let result = try testbed.primctl(arguments)
            outputs += [result.stdout, result.stderr]
        }
        for output in outputs { XCTAssertFalse(output.contains(canary), output) }
        for root in [testbed.directory, testbed.dataDir] {
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                let path = "\(root)/\(relative)"
                // alpha's env file and its serving version's (0600, read by the manager only).
                guard path != "\(testbed.envDir)/alpha.env", !path.hasPrefix("\(testbed.envDir)/alpha@"),
                    let data = FileManager.default.contents(atPath: path)
                else { continue }
                XCTAssertNil(data.range(of: Data(canary.utf8)), "the value is in \(path)")
            }
        }
    }

    func testASecretThisHostCannotDecryptBlocksOnlyItsPrim() throws {
        let other = try Command.run("/usr/bin/age-keygen", [])
        let otherRecipient =
            other.stderr.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            ?? ""
        XCTAssertTrue(otherRecipient.hasPrefix("age1"), other.stderr)
        try write(
            Array(
                ("prims: [alpha]\nencrypted: |\n"
                    + (try encrypt(canary, to: otherRecipient)).split(separator: "\n").map { "  \($0)\n" }.joined())
                    .utf8),
            to: "\(state)/secrets/API_KEY.yaml")
        let result = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(result.status, 0, "a blocked prim is a warning: " + result.stdout)
        XCTAssertTrue(
            result.stdout.contains(
                "prim 'alpha' is not deployed: secret API_KEY cannot be used on this host: secrets/API_KEY.yaml is not encrypted to this host's recipient \(recipient)"
            ), result.stdout)
        XCTAssertTrue(result.stdout.contains("primctl secret encrypt API_KEY"), result.stdout)
        XCTAssertEqual(try testbed.activeState("prim-beta.service"), "active", "the others converge")

        // Encrypted to this host but damaged in its payload (the last armor line): only alpha is blocked.
        let armor = (try encrypt(canary, to: recipient)).split(separator: "\n").map(String.init)
        func damaged(line: Int) -> String {
            var lines = armor
            var chars = Array(lines[line])
            chars[2] = chars[2] == "A" ? "B" : "A"
            lines[line] = String(chars)
            return "prims: [alpha]\nencrypted: |\n" + lines.map { "  \($0)\n" }.joined()
        }
        try write(Array(damaged(line: armor.count - 2).utf8), to: "\(state)/secrets/API_KEY.yaml")
        let payload = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(
            payload.stdout.contains(
                "secret API_KEY cannot be used on this host: secrets/API_KEY.yaml cannot be decrypted: damaged"),
            payload.stdout)
        // Damaged in its header (the first armor line): validate sees it without a key.
        try write(Array(damaged(line: 1).utf8), to: "\(state)/secrets/API_KEY.yaml")
        let header = try testbed.primctl(["validate", "--state", state])
        XCTAssertEqual(header.status, 1)
        XCTAssertTrue(
            header.stdout.contains("is not a valid age file") && header.stdout.contains("[secret-format]"),
            header.stdout)
    }

    /// An `encrypted:` declaration is met by its own ciphertext only: a value of the same name in
    /// the host's store (set ahead of a PR, or left by a removed prim) never reaches the prim.
    func testAnEncryptedSecretNeverTakesTheStoresValueAndThePlanSaysWhereEachValueComesFrom() throws {
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "from-the-store").status, 0)
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(
            diff.stdout.contains(
                "Warning: secret API_KEY is committed encrypted; this host's store also holds a value of that name, which is not used"
            ), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("+ API_KEY = (sensitive value, from git, encrypted)"), diff.stdout)
        let json = try testbed.primctl(["diff", "--state", state, "--format", "json"])
        XCTAssertTrue(
            json.stdout.contains(#""API_KEY" : "encrypted""#) || json.stdout.contains(#""API_KEY":"encrypted""#),
            json.stdout)
        XCTAssertFalse(diff.stdout.contains("from-the-store") || json.stdout.contains("from-the-store"))
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        let env = try String(contentsOfFile: "\(testbed.envDir)/alpha.env", encoding: .utf8)
        XCTAssertTrue(env.contains(canary), "the committed value is used")
        XCTAssertFalse(env.contains("from-the-store"), "the store's value is not")
        // Damaged ciphertext blocks the prim; the store's value does not stand in for it.
        let other = try Command.run("/usr/bin/age-keygen", [])
        let otherRecipient =
            other.stderr.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            ?? ""
        try write(
            Array(
                ("prims: [alpha]\nencrypted: |\n"
                    + (try encrypt("agents-own", to: otherRecipient)).split(separator: "\n").map { "  \($0)\n" }
                    .joined()).utf8),
            to: "\(state)/secrets/API_KEY.yaml")
        let blocked = try testbed.primctl(["diff", "--state", state])
        XCTAssertTrue(blocked.stdout.contains("secret API_KEY cannot be used on this host"), blocked.stdout)
    }

    func testRekeyEncryptsAgainToTheRecipientsTheHostsDeclareNow() throws {
        let other = "\(testbed.directory)/operator.key"
        XCTAssertEqual(try Command.run("/usr/bin/age-keygen", ["-o", other]).status, 0)
        let operatorRecipient = try Command.run("/usr/bin/age-keygen", ["-y", other]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let hostFile = "\(state)/hosts/t.yaml"
        let host = try String(contentsOfFile: hostFile, encoding: .utf8)
            .replacingOccurrences(
                of: "secret_recipients: [\(recipient)]", with: "secret_recipients: [\(recipient), \(operatorRecipient)]"
            )
        try write(Array(host.utf8), to: hostFile)
        let rekeyed = try testbed.primctl(["secret", "rekey", "--state", state])
        XCTAssertEqual(rekeyed.status, 0, rekeyed.stdout + rekeyed.stderr)
        XCTAssertFalse(rekeyed.stdout.contains(canary))
        let file = try String(contentsOfFile: "\(state)/secrets/API_KEY.yaml", encoding: .utf8)
        let armor =
            file.components(separatedBy: "encrypted: |\n")[1].split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.joined(separator: "\n") + "\n"
        XCTAssertEqual(
            try Command.run("/usr/bin/age", ["-d", "-i", other], input: armor).stdout, canary,
            "the new recipient reads it")
        XCTAssertEqual(
            try Command.run("/usr/bin/age", ["-d", "-i", identityFile], input: armor).stdout, canary,
            "and the host still does")
    }

    func testSecretEncryptWritesWhatAgeDecryptsAndRotationRestartsOnlyItsPrim() throws {
        XCTAssertEqual(try testbed.primctl(["apply", "--state", state, "--yes"]).status, 0)
        let alpha = try testbed.invocation("prim-alpha.service"), beta = try testbed.invocation("prim-beta.service")
        let rotated = "rotated-\(UUID().uuidString)"
        let encrypted = try Primctl.run(["secret", "encrypt", "API_KEY", "--state", state], input: rotated + "\n")
        XCTAssertEqual(encrypted.status, 0, encrypted.stdout + encrypted.stderr)
        XCTAssertFalse(encrypted.stdout.contains(rotated))
        let file = try String(contentsOfFile: "\(state)/secrets/API_KEY.yaml", encoding: .utf8)
        XCTAssertTrue(
            file.contains("prims: [alpha]") && file.contains("-----BEGIN AGE ENCRYPTED FILE-----")
                && !file.contains(rotated), file)
        let armor =
            file.components(separatedBy: "encrypted: |\n")[1].split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.joined(separator: "\n") + "\n"
        let decrypted = try Command.run("/usr/bin/age", ["-d", "-i", identityFile], input: armor)
        XCTAssertEqual(decrypted.stdout, rotated, "Debian's age decrypts what primctl wrote")

        let apply = try testbed.primctl(["apply", "--state", state, "--yes"])
        XCTAssertEqual(apply.status, 0, apply.stdout)
        XCTAssertNotEqual(try testbed.invocation("prim-alpha.service"), alpha, "alpha restarted for its new value")
        XCTAssertEqual(try testbed.invocation("prim-beta.service"), beta, "beta did not")
        let env = try String(contentsOfFile: "\(testbed.envDir)/alpha.env", encoding: .utf8)
        XCTAssertTrue(env.contains(rotated) && !env.contains(canary), "the old value is gone")
    }
}

/// The agent's whole path: the host's recipient from pr.sh, the key encrypted locally (`age`, as the
/// agent), a prim and its encrypted secret in one manifest, merged by policy, deployed by primd.
final class EncryptedSecretsAgentTests: XCTestCase {
    func testAnAgentShipsAPrimWithItsOwnEncryptedKey() throws {
        let testbed = try Testbed.up()
        defer { testbed.down() }
        let initialized = try testbed.primctl(["host", "init"])
        let recipient = try XCTUnwrap(initialized.stdout.split(separator: "\n").last.map(String.init))
        var files = ConvergedState.files()
        files["hosts/t.yaml"]! += "secret_recipients: [\(recipient)]\n"
        XCTAssertEqual(try testbed.primctl(["secret", "set", "API_KEY"], input: "alpha-secret").status, 0)
        let loop = try AgentLoop(testbed: testbed, files: files)
        defer { loop.stop() }
        let (repo, primd, prsh) = (loop.repo, loop.primd, loop.prsh)

        // The agent asks for the host's recipient and encrypts its key with age.
        let listed = try HTTPClient.request("GET", prsh.url + "/v1/recipients")
        let hosts = try XCTUnwrap(
            (try JSONSerialization.jsonObject(with: Data(listed.body)) as? [String: Any])?["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.first?["recipients"] as? [String], [recipient])
        let canary = "agent-key-\(UUID().uuidString)"
        let armor = try Command.run("/usr/bin/age", ["-a", "-r", recipient], input: canary).stdout
        var prim = Prims.yaml("gamma", port: 3206)
        prim = prim.replacingOccurrences(of: "status: testing\n", with: "status: testing\nenv: [GAMMA_KEY]\n")
        let secret = "prims: [gamma]\nencrypted: |\n" + armor.split(separator: "\n").map { "  \($0)\n" }.joined()
        let added = try prsh.open(
            ["state/prims/gamma.yaml": prim, "state/secrets/GAMMA_KEY.yaml": secret], title: "Add gamma.sh with its key"
        )
        XCTAssertEqual(added.state, "merged", added.message)
        let merged = try XCTUnwrap(added.json["merged_commit"] as? String)
        primd.waitFor("primd to apply the agent's commit", timeout: 60) {
            primd.status()?["last_applied_revision"] as? String == merged
        }
        XCTAssertEqual(testbed.viaCaddy("gamma.prim.test").1, "{\"service\": \"gamma.sh\", \"status\": \"ok\"}")
        let pid =
            try testbed.unitProperty("prim-gamma.service", "MainPID", interface: "org.freedesktop.systemd1.Service")
            .split(separator: " ").last.map(String.init) ?? ""
        let environ = try Command.run(
            "/usr/bin/nsenter", ["-t", testbed.environment["SYSTEMD_PID1"]!, "-m", "-p", "cat", "/proc/\(pid)/environ"]
        ).stdout
        XCTAssertTrue(environ.contains("GAMMA_KEY=\(canary)"), "the agent's key reached its prim's process")
        // Nowhere in primd's and pr.sh's logs, pr.sh's records, or any commit of the repository (only its ciphertext is).
        let history = try repo.git(["-C", repo.bare, "log", "-p", "--all"]).stdout
        XCTAssertTrue(history.contains("BEGIN AGE ENCRYPTED FILE"), "the check reads the commits' contents")
        var texts = [
            primd.stderr, added.message, String(decoding: listed.body, as: UTF8.self), history,
            (try? String(contentsOfFile: prsh.log, encoding: .utf8)) ?? "",
        ]
        let enumerator = FileManager.default.enumerator(atPath: prsh.dataDir)
        while let relative = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: "\(prsh.dataDir)/\(relative)") {
                texts.append(String(decoding: data, as: UTF8.self))
            }
        }
        for text in texts {
            XCTAssertFalse(text.contains(canary), "the value leaked: \(text.prefix(300))")
        }
    }
}
