import Foundation
import PrimSystem
import XCTest

/// pr.sh against what a hostile or careless agent sends: inputs built to crash or stall it, changes
/// that must not merge unattended, and floods of the same change.
final class PrshBoundaryTests: XCTestCase {
    var repo: StateRepository!
    var prsh: PrshProcess!

    override func setUpWithError() throws {
        var files = ConvergedState.files()
        files["policy.yaml"] = "rate_limits: { per_hour: 100, per_day: 500 }\ncooldown_after_red: 100\n"
        // Blocked on main (a key nobody declared): it must not turn other agents' PRs red.
        files["prims/stuck.yaml"] = "id: stuck\nstatus: testing\nport: 3230\nenv: [NEVER_DECLARED]\n"
        // Holds a secret while not live: a change to it could send the secret anywhere.
        files["secrets/BETA_KEY.yaml"] = "prims: [beta]\nexternal: true\n"
        files["prims/beta.yaml"] = "id: beta\nname: beta.sh\nstatus: testing\nport: 3202\nenv: [BETA_KEY]\n"
        repo = try StateRepository(files: files)
        prsh = try PrshProcess(repo: repo)
    }

    override func tearDown() {
        _ = prsh?.stop()
        repo = nil
    }

    func main() throws -> String { try GitRepository.open(repo.bare).branchHead("main")! }
    func commitCount() throws -> Int {
        Int(
            try repo.git(["-C", repo.bare, "rev-list", "--count", "main"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)) ?? -1
    }

    func testParserBombsAreRefusedWithTheirCodeWhileOthersAreServed() throws {
        var laughs = "id: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            laughs +=
                "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        var merge = "id: bomb\nb0: &b0 {k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v}\n"
        for level in 1...8 {
            merge +=
                "b\(level): &b\(level) {\((0..<8).map { "m\($0): {<<: *b\(level - 1)}" }.joined(separator: ", "))}\n"
        }
        let bombs: [(String, String, String)] = [
            ("nesting", "id: bomb\nx: " + String(repeating: "[", count: 100_000), "yaml-depth"),
            ("billion laughs", laughs, "yaml-nodes"),
            ("merge-key bomb", merge, "yaml-merge-key"),
            ("20k keys", "id: bomb\n" + (0..<20_000).map { "k\($0): 1" }.joined(separator: "\n"), "yaml-keys"),
        ]
        // 100k keys do not fit in pr.sh's 256 KiB per file: the size limit refuses them first.
        let hundredK = try prsh.open([
            "state/prims/bomb.yaml": "id: bomb\n" + (0..<100_000).map { "k\($0): 1" }.joined(separator: "\n")
        ])
        XCTAssertEqual(hundredK.status, 400)
        XCTAssertEqual(hundredK.field, "files[0].content")
        let before = try main()
        let server: PrshProcess = prsh
        let group = DispatchGroup()
        let answers = ResultsBox(count: bombs.count)
        for (index, bomb) in bombs.enumerated() {
            group.enter()
            DispatchQueue.global().async {
                answers.set(index, try? server.open(["state/prims/bomb.yaml": bomb.1]))
                group.leave()
            }
        }
        // pr.sh answers other requests while the bombs are being refused.
        let root = try HTTPClient.request("GET", prsh.url + "/", timeout: 5)
        XCTAssertEqual(root.status, 200)
        XCTAssertEqual(root.text.filter { !$0.isWhitespace }, #"{"service":"pr.sh","status":"ok"}"#)
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        for (index, bomb) in bombs.enumerated() {
            let answer = try XCTUnwrap(answers.values[index], bomb.0)
            XCTAssertEqual(answer.status, 400, "\(bomb.0): \(answer.json)")
            let diagnostics = answer.error["diagnostics"] as? [String] ?? []
            XCTAssertTrue(
                diagnostics.contains { $0.hasPrefix("state/prims/bomb.yaml:") && $0.hasSuffix("[\(bomb.2)]") },
                "\(bomb.0): \(diagnostics)")
        }
        XCTAssertEqual(try main(), before, "nothing reached main")
        XCTAssertEqual(prsh.records, [], "no PR was opened")
    }

    func testChangesThatMustNotMergeUnattendedWaitForApprovalNamingTheirRule() throws {
        let cases: [(String, [String: String], String)] = [
            (
                "extra_caddy",
                [
                    "state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)
                        + "  extra_caddy:\n    - |\n      docs.gamma.prim.test {\n        respond \"docs\"\n      }\n"
                ], "raw-caddy"
            ),
            ("shared code", ["state/packages/stub/server.py": ConvergedState.stub + "\n# changed\n"], "shared-code"),
            (
                "another prim's secret",
                ["state/prims/thief.yaml": "id: thief\nstatus: testing\nport: 3240\nenv: [API_KEY]\n"],
                "undeclared-secret"
            ),
            (
                "a secret's new consumer", ["state/secrets/API_KEY.yaml": "prims: [alpha, beta]\nexternal: true\n"],
                "secret-consumers"
            ),
            ("every prim", ["state/secrets/API_KEY.yaml": "prims: [\"*\"]\nexternal: true\n"], "every-prim"),
            (
                "hardening off", ["state/prims/soft.yaml": Prims.yaml("soft", port: 3241) + "  hardening: false\n"],
                "hardening"
            ),
            (
                "no memory limit", ["state/prims/big.yaml": Prims.yaml("big", port: 3242) + "  memory_max: infinity\n"],
                "resource-limits"
            ),
            (
                "a non-live prim that holds a secret",
                [
                    "state/prims/beta.yaml":
                        "id: beta\nname: beta.sh\nstatus: testing\nport: 3202\nenv: [BETA_KEY]\ndeploy:\n  command: /bin/sh -c 'exec env'\n"
                ], "secret-holder"
            ),
            (
                "a new external secret",
                [
                    "state/secrets/STRIPE_KEY.yaml": "prims: [thief]\nexternal: true\n",
                    "state/prims/thief.yaml": "id: thief\nstatus: testing\nport: 3243\nenv: [STRIPE_KEY]\n",
                ], "external-secret"
            ),
            (
                "an endpoint outside the domain",
                ["state/prims/www.yaml": "id: www\nstatus: testing\nport: 3244\nendpoint: www.example.com\n"],
                "endpoint"
            ),
            (
                "the domain's apex",
                ["state/prims/apex.yaml": "id: apex\nstatus: testing\nport: 3245\nendpoint: prim.test\n"], "endpoint"
            ),
        ]
        let before = try main()
        var numbers: [Int] = []
        for (name, files, rule) in cases {
            let answer = try prsh.open(files, title: name)
            XCTAssertEqual(answer.status, 201, "\(name): \(answer.json)")
            XCTAssertEqual(answer.state, "open", name)
            XCTAssertEqual(answer.json["needs_approval"] as? Bool, true, name)
            let reasons = answer.json["approval_reasons"] as? [String] ?? []
            XCTAssertTrue(reasons.contains { $0.hasSuffix("(rule \(rule))") }, "\(name): \(reasons)")
            if let number = answer.number { numbers.append(number) }
            // Each case is closed, so the next one's files do not conflict with it.
            XCTAssertEqual(try prsh.request("POST", "/v1/pr/\(answer.number ?? 0)/close").status, 200)
        }
        XCTAssertEqual(numbers.count, cases.count)
        XCTAssertEqual(try main(), before, "nothing merged without an operator")
    }

    func testASecretGivenToEveryPrimDoesNotLockOutOtherPullRequests() throws {
        let star = try prsh.open(
            ["state/secrets/API_KEY.yaml": "prims: [\"*\"]\nexternal: true\n"], title: "everyone gets the key")
        XCTAssertEqual(star.state, "open")
        let other = try prsh.open(["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)], wallet: Wallets.bob)
        XCTAssertEqual(other.status, 201, "\(other.json)")
        XCTAssertEqual(other.state, "merged")
        // A PR that also sends an unchanged copy of a file does not hold that file against others.
        let current = try XCTUnwrap(try GitRepository.open(repo.bare).file("state/prims/alpha.yaml", at: try main()))
        let copy = try prsh.open(
            [
                "state/prims/soft.yaml": Prims.yaml("soft", port: 3241) + "  hardening: false\n",
                "state/prims/alpha.yaml": String(decoding: current, as: UTF8.self),
            ], wallet: Wallets.bob)
        XCTAssertEqual(copy.state, "open", "\(copy.json)")
        let alpha = try prsh.open(
            ["state/prims/alpha.yaml": Prims.yaml("alpha", port: 3201, status: "live", description: "new")],
            wallet: Wallets.carol)
        XCTAssertEqual(alpha.status, 201, "alpha's file is only copied by the other PR: \(alpha.json)")
        let same = try prsh.open(
            ["state/secrets/API_KEY.yaml": "prims: [alpha, beta]\nexternal: true\n"], wallet: Wallets.carol)
        XCTAssertEqual(same.status, 409, "a PR writing the same file conflicts: \(same.json)")
        XCTAssertTrue(same.message.contains("writes state/secrets/API_KEY.yaml"), same.message)
    }

    func testTwentyIdenticalNewPrimRequestsMergeOnceAndCommitNothingEmpty() throws {
        let files = ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)]
        let before = try commitCount()
        let answers = ResultsBox(count: 20)
        let server: PrshProcess = prsh
        DispatchQueue.concurrentPerform(iterations: 20) { index in answers.set(index, try? server.open(files)) }
        let all = answers.values.compactMap { $0 }
        XCTAssertEqual(all.count, 20)
        XCTAssertEqual(all.filter { $0.status == 201 }.count, 1, "\(all.map(\.json))")
        XCTAssertEqual(all.filter { $0.state == "merged" }.count, 1)
        let others = all.filter { $0.status != 201 }
        XCTAssertTrue(
            others.allSatisfy {
                $0.status == 200 && ($0.state == "unchanged" || $0.json["duplicate"] as? Bool == true)
            }, "\(others.map(\.json))")
        XCTAssertEqual(try commitCount(), before + 1, "one merge, no empty commits")
        XCTAssertEqual(prsh.records.count, 1)
    }

    func testOddPackageNamesAndHugeSizesAreAnsweredNotCrashedOn() throws {
        let odd = try prsh.open(["state/packages/a..b/x.txt": "x"])
        XCTAssertNotEqual(odd.status, 500, "\(odd.json)")
        let huge = try prsh.open([
            "state/prims/bomb.yaml": "id: bomb\nstatus: idea\ndeploy: {memory_max: 99999999999999999T}\n"
        ])
        XCTAssertEqual(huge.status, 400, "\(huge.json)")
        XCTAssertEqual(try HTTPClient.request("GET", prsh.url + "/", timeout: 5).status, 200, "pr.sh is still up")
    }

    func testUnitLinesCannotBeInjectedThroughAPrimsFields() throws {
        let before = try main()
        let injected = "x\r\n[Service]\r\nExecStartPre=+/bin/id"
        for (name, yaml) in [
            ("CRLF in name", "id: crlf\nname: \(String(reflecting: injected))\nstatus: testing\nport: 3246\n"),
            (
                "CRLF in command",
                "id: crlf\nstatus: testing\nport: 3246\ndeploy:\n  command: \(String(reflecting: "/bin/true" + injected))\n"
            ),
            ("+ prefix", "id: crlf\nstatus: testing\nport: 3246\ndeploy:\n  command: \"+/bin/sh -c id\"\n"),
        ] {
            let answer = try prsh.open(["state/prims/crlf.yaml": yaml], title: name)
            XCTAssertEqual(answer.status, 400, "\(name): \(answer.json)")
            let diagnostics = answer.error["diagnostics"] as? [String] ?? []
            XCTAssertTrue(
                diagnostics.contains { $0.hasSuffix("[unsafe-value]") || $0.hasSuffix("[invalid-command]") },
                "\(name): \(diagnostics)")
        }
        XCTAssertEqual(try main(), before)
    }

    func testPathsAndWalletsThatOnlyLookValidAreRefused() throws {
        let git = try prsh.open(["state/packages/x/.GIT/config": "x"])
        XCTAssertEqual(git.status, 400, "\(git.json)")
        XCTAssertTrue(git.message.contains("names a .git folder"), git.message)
        let wide = try prsh.open(
            ["state/prims/gamma.yaml": Prims.yaml("gamma", port: 3206)],
            wallet: "0x" + String(repeating: "１", count: 40))
        XCTAssertEqual(wide.status, 401, "full-width digits are not hex: \(wide.json)")
    }
}

/// Its properties are constants: requests from several threads share it.
extension PrshProcess: @unchecked Sendable {}

/// Answers collected from concurrent requests.
final class ResultsBox: @unchecked Sendable {
    private var slots: [PrshProcess.Answer?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: PrshProcess.Answer?) { lock.lock(); slots[index] = value; lock.unlock() }
    var values: [PrshProcess.Answer?] { lock.lock(); defer { lock.unlock() }; return slots }
}
