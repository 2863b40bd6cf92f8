import PrimModel
import PrimYAML
import XCTest

final class LoaderTests: XCTestCase {
    func testUpstreamCorpusLoadsWithoutErrors() throws {
        let result = StateLoader.load(Fixtures.directory(Fixtures.path("Tests/Fixtures/upstream-prim.sh-5594918")))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.state.layout, .upstream)
        // 36 in the registry, plus packages only upstream's package dirs declare.
        let ids = Set(result.state.prims.map(\.id))
        XCTAssertTrue(ids.isSuperset(of: ["search", "store", "wallet", "email", "ring", "gate", "feedback"]))
        let search = try XCTUnwrap(result.state.prim("search"))
        XCTAssertEqual(search.status, .live, "mainnet maps to live")
        XCTAssertEqual(search.port, 3005)
        XCTAssertEqual(search.file, "packages/search/prim.yaml")
        XCTAssertTrue(search.deploy.accessLog)
        XCTAssertEqual(search.requiredEnv, ["PRIM_PAY_TO", "PRIM_NETWORK", "TAVILY_API_KEY", "WALLET_INTERNAL_URL"])
        XCTAssertTrue(search.routes.contains { $0.path == "/v1/search" && $0.isPaid })
        XCTAssertEqual(result.state.prim("faucet")?.status, .testing, "testnet maps to testing")
        XCTAssertEqual(result.state.prim("email")?.deploy.extraCaddy.count, 1)
    }

    func testUpstreamMergeLetsPackageKeysWin() throws {
        let result = StateLoader.load(
            Fixtures.snapshot([
                "primitives.yaml":
                    "primitives:\n  - id: search\n    name: old.sh\n    order: 6\n    description: from registry\n",
                "packages/search/prim.yaml": "id: search\nname: search.sh\nstatus: testnet\nport: 3005\n",
            ]))
        XCTAssertEqual(result.errors, [])
        let search = try XCTUnwrap(result.state.prim("search"))
        XCTAssertEqual(search.name, "search.sh")
        XCTAssertEqual(search.description, "from registry")
        XCTAssertEqual(search.origin("description").file, "primitives.yaml")
        XCTAssertEqual(search.origin("port").file, "packages/search/prim.yaml")
    }

    func testShippedStatesAreValid() {
        for root in ["state", "examples/quickstart"] {
            let result = StateLoader.load(Fixtures.directory(Fixtures.path(root)))
            XCTAssertEqual(result.diagnostics, [], root)
            XCTAssertEqual(result.state.layout, .stateRoot)
        }
    }

    /// `stauts: live` once validated clean and undeployed the prim: a key one or two edits from one
    /// prim reads is an error that names the key meant; other unknown keys are still kept.
    func testAKeyOneOrTwoEditsFromAKnownOneIsATypo() {
        for (typo, meant, line, column) in [
            ("stauts: live", "status", 2, 1), ("prot: 3000", "port", 3, 1), ("Status: live", "status", 2, 1),
            ("deplyo:\n  command: /bin/true", "deploy", 4, 1), ("taglin: x", "tagline", 4, 1),
        ] {
            let body =
                typo.hasPrefix("prot")
                ? "id: a\nstatus: live\n\(typo)\n"
                : "id: a\n\(typo.hasPrefix("deplyo") || typo.hasPrefix("taglin") ? "status: live\nport: 3000\n" : "")\(typo)\n\(typo.hasPrefix("deplyo") || typo.hasPrefix("taglin") ? "" : "port: 3000\n")"
            let result = StateLoader.load(Fixtures.snapshot(["prims/a.yaml": body]))
            let errors = result.errors.filter { $0.code == "misspelt-key" }
            XCTAssertEqual(errors.count, 1, "\(typo): \(result.errors)")
            XCTAssertTrue(errors.first?.message.contains("did you mean '\(meant)'?") ?? false, "\(errors)")
            XCTAssertEqual(
                errors.first.map { "\($0.file):\($0.line):\($0.column)" }, "prims/a.yaml:\(line):\(column)", typo)
        }
        let kept = StateLoader.load(
            Fixtures.snapshot([
                "prims/a.yaml": "id: a\nstatus: live\nport: 3000\nmarketing_copy: hello\nowner_team: x\n"
            ]))
        XCTAssertEqual(kept.errors, [], "keys far from any known one are kept")
    }

    /// What a near-miss distance cannot see: a swap in a short key, a key's other name, a deploy key
    /// written at the top level, an empty status, a misspelt key of a route.
    func testOtherWaysOfLosingAKeyAreErrorsToo() {
        let cases: [(String, String, String)] = [
            ("evn: [A]", "misspelt-key", "did you mean 'env'?"),
            ("deployment:\n  command: /bin/true", "misspelt-key", "did you mean 'deploy'?"),
            ("routes:\n  - route: GET /x", "misspelt-key", "did you mean 'routes_map'?"),
            ("command: /bin/true", "misplaced-key", "'command' is a key of 'deploy:'"),
            ("host: other", "misplaced-key", "'host' is a key of 'deploy:'"),
            ("routes_map:\n  - route: POST /x\n    erors: [{ status: 402 }]", "misspelt-key", "did you mean 'errors'?"),
        ]
        for (text, code, message) in cases {
            let result = StateLoader.load(
                Fixtures.snapshot(["prims/a.yaml": "id: a\nstatus: live\nport: 3000\n\(text)\n"]))
            XCTAssertTrue(
                result.errors.contains { $0.code == code && $0.message.contains(message) }, "\(text): \(result.errors)")
        }
        for empty in ["status:", "status: ~", "status: null"] {
            let result = StateLoader.load(Fixtures.snapshot(["prims/a.yaml": "id: a\nport: 3000\n\(empty)\n"]))
            XCTAssertEqual(result.errors.map(\.code), ["unknown-status"], empty)
            XCTAssertTrue(result.errors.first?.message.contains("'status' is empty") ?? false, "\(result.errors)")
        }
    }

    /// A syntax error is placed on the line to fix (where an unclosed construct starts), and a prim
    /// whose file cannot be read is not reported again as undeclared by the secret that names it.
    func testASyntaxErrorPointsAtTheLineToFixAndDoesNotCascade() {
        let result = StateLoader.load(
            Fixtures.snapshot([
                "prims/notes.yaml": "id: notes\nstatus: live\nport: 3000\nenv: [A\ndeploy:\n  command: /bin/true\n",
                "prims/quote.yaml": "id: quote\nname: \"unterminated\nport: 3000\n",
                "secrets/A.yaml": "prims: [notes]\nexternal: true\n",
            ]))
        XCTAssertEqual(
            result.errors.map { "\($0.file):\($0.line):\($0.column) \($0.code)" },
            ["prims/notes.yaml:4:6 yaml-syntax", "prims/quote.yaml:2:7 yaml-syntax"])
        XCTAssertTrue(result.errors[0].message.contains("found at line 5, column 7"), result.errors[0].message)
    }

    /// Limits in `deploy:` and in the host config's `limits:`: each checked, at its position.
    func testLimitsAreChecked() {
        let good = StateLoader.load(
            Fixtures.snapshot([
                "prims/a.yaml":
                    "id: a\nstatus: live\nport: 3000\ndeploy:\n  tasks_max: 64\n  cpu_quota: 50%\n  open_files: 1024\n  tmp_size: 32M\n"
            ]))
        XCTAssertEqual(good.errors, [])
        XCTAssertEqual(
            good.state.prim("a")?.deploy.limits,
            UnitLimits.Overrides(tasksMax: 64, cpuQuota: 50, openFiles: 1024, tmpSize: "32M"))
        let bad = StateLoader.load(
            Fixtures.snapshot([
                "prims/a.yaml":
                    "id: a\nstatus: live\nport: 3000\ndeploy:\n  tasks_max: 2\n  cpu_quota: half\n  open_files: 9999999\n  tmp_size: 10%\n"
            ]))
        XCTAssertEqual(
            bad.errors.map { "\($0.line):\($0.column) \($0.code)" },
            ["5:14 invalid-limit", "6:14 invalid-limit", "7:15 invalid-limit", "8:13 invalid-size"])
        for size in ["1B", "100", "512K"] {
            let tiny = StateLoader.load(
                Fixtures.snapshot(["prims/a.yaml": "id: a\nstatus: live\nport: 3000\ndeploy:\n  tmp_size: \(size)\n"]))
            XCTAssertEqual(
                tiny.errors.map(\.code), ["invalid-size"], "tmpfs takes no B, and no prim runs in under 1M: \(size)")
        }
        // The host's limits are in its file, in git, where pr.sh reads them too.
        let host = StateLoader.load(
            Fixtures.snapshot(["hosts/vps.yaml": "domain: prim.test\nlimits:\n  memory_max: 256M\n  tasks_max: 128\n"]))
        XCTAssertEqual(host.errors, [])
        XCTAssertEqual(
            host.state.hosts.first?.limits,
            UnitLimits(memoryMax: "256M", tasksMax: 128, cpuQuota: 100, openFiles: 4096, tmpSize: "256M"))
    }

    /// `state_dir` is a directory of prim's own under /var/lib: systemd hands an existing one to the prim.
    func testTheStateDirIsPrimsOwn() {
        for bad in ["prim", "var", "prim-state/../x", "/var/lib/prim-state", "private"] {
            XCTAssertEqual(
                HostConfig.parse(Array("state_dir: \(bad)\n".utf8), file: "c.yaml").1.map(\.code), ["invalid-path"], bad
            )
        }
        XCTAssertEqual(HostConfig.parse(Array("state_dir: prim-state\n".utf8), file: "c.yaml").1, [])
        XCTAssertEqual(
            HostConfig.parse(Array("data_dir: /var/lib/prim-x\nstate_dir: prim-x\n".utf8), file: "c.yaml").1.map(
                \.code), ["invalid-path"])
        // A prim whose id is another's side-by-side unit.
        XCTAssertEqual(
            StateLoader.load(Fixtures.snapshot(["prims/x-candidate.yaml": "id: x-candidate\n"])).errors.map(\.code),
            ["invalid-id"])
    }

    func testEveryProblemIsReportedInOneRun() {
        let result = StateLoader.load(
            Fixtures.snapshot([
                "prims/a.yaml": "id: a\nstatus: live\nport: 80\n",
                "prims/b.yaml": "id: B\nstatus: nope\n",
                "hosts/h.yaml": "domain: prim.sh\nadress: 1.2.3.4\n",
            ]))
        XCTAssertEqual(
            Set(result.errors.map(\.code)),
            ["port-range", "invalid-id", "id-mismatch", "unknown-status", "unknown-key", "missing-port"])
    }

    /// A file's name is its declaration's name exactly: `.KEY.yaml` and `KEY..yaml` do not declare
    /// `KEY` beside `KEY.yaml` (a second declaration of one name would shadow the operator's).
    func testADeclarationsNameIsItsFileNameAndEachSecretIsDeclaredOnce() {
        let armor = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"
        for shadow in ["secrets/.KEY.yaml", "secrets/KEY..yaml"] {
            let result = StateLoader.load(
                Fixtures.snapshot([
                    "secrets/KEY.yaml": "prims: [a]\nexternal: true\n",
                    shadow: "prims: [b]\nencrypted: |\n  " + armor.replacingOccurrences(of: "\n", with: "\n  "),
                ]))
            XCTAssertTrue(
                result.errors.contains { $0.file == shadow && $0.code == "invalid-secret-name" },
                "\(shadow): \(result.errors)")
        }
        let twice = StateLoader.load(
            Fixtures.snapshot([
                "secrets/KEY.yaml": "prims: [a]\nexternal: true\n",
                "secrets/OTHER.yaml": "name: KEY\nprims: [b]\nexternal: true\n",
            ]))
        XCTAssertTrue(
            twice.errors.contains {
                $0.code == "duplicate-secret"
                    && $0.message.contains("secret 'KEY' is already declared in secrets/KEY.yaml")
            }, "\(twice.errors)")
        let prim = StateLoader.load(Fixtures.snapshot(["prims/.a.yaml": "id: a\nstatus: idea\n"]))
        XCTAssertEqual(prim.errors.map(\.code), ["id-mismatch"])
    }

    func testEnvWarningPointsAtTheKey() {
        let result = StateLoader.load(
            Fixtures.snapshot([
                "prims/a.yaml": "id: a\nstatus: live\nport: 3000\nenv:\n  - PRESENT\n  - ABSENT\n",
                "hosts/h.yaml": "domain: prim.sh\nenv:\n  PRESENT: yes\n",
            ]))
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(
            result.warnings.map { "\($0.file):\($0.line):\($0.column) \($0.code)" }, ["prims/a.yaml:6:5 env-unprovided"]
        )
    }

    func testHostConfigParses() {
        let (config, diagnostics) = HostConfig.parse(
            Array("host: vps\nsystemd:\n  bus: unix:path=/x\ncaddy:\n  admin: http://127.0.0.1:1\nenv_dir: /e\n".utf8),
            file: "primd.yaml")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(config.host, "vps")
        XCTAssertEqual(config.systemdBus, "unix:path=/x")
        XCTAssertEqual(config.envDir, "/e")
        let (_, bad) = HostConfig.parse(Array("caddy:\n  admn: x\n".utf8), file: "primd.yaml")
        XCTAssertEqual(bad.map(\.code), ["unknown-key"])
        XCTAssertTrue(bad[0].message.contains("did you mean 'admin'"))
    }

    func testSuggestionFindsCloseKeys() {
        XCTAssertEqual(Suggestion.closest(to: "acess_log", in: DeploySpec.keys), "access_log")
        XCTAssertNil(Suggestion.closest(to: "zzzzzz", in: DeploySpec.keys))
    }

    func testCaddyBraces() {
        XCTAssertNil(CaddyBraces.problem(in: "a {\n  respond \"}\"\n}\n"))
        XCTAssertEqual(CaddyBraces.problem(in: "a {\n  b {\n}\n")?.line, 1, "the outer block is the one left open")
        XCTAssertEqual(CaddyBraces.problem(in: "a {\n}\n}\n")?.line, 3)
    }
}

final class ShippedConfigTests: XCTestCase {
    func testDeployHostConfigParses() throws {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: Fixtures.path("deploy/primd.yaml")))
        let (config, diagnostics) = HostConfig.parse([UInt8](bytes), file: "deploy/primd.yaml")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(config.host, "vps")
        XCTAssertEqual(config.caddyHeader, "/etc/prim/Caddyfile.header")
        XCTAssertEqual(config.caddyMain, "/etc/prim/Caddyfile", "the package's drop-in starts Caddy from it")
        XCTAssertEqual(config.caddyImports, ["/etc/caddy/Caddyfile"], "the operator's sites are imported, not replaced")
        XCTAssertNil(config.controller.repo, "a fresh install watches nothing until the operator says what")
    }

    /// The commented `tls:` and `controller:` examples are valid blocks once uncommented.
    func testTheControllerExampleParsesUncommented() throws {
        let text = try String(contentsOfFile: Fixtures.path("deploy/primd.yaml"), encoding: .utf8)
        var inExample = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            if line == "#controller:" || line == "#tls:" { inExample = true }
            // Prose (`# What…`) stays a comment; the examples' lines are `#key:` or `#  key:`.
            guard inExample, line.hasPrefix("#"), !line.hasPrefix("# ") || line.hasPrefix("#  ") else { return line }
            return line.dropFirst()
        }
        XCTAssertTrue(inExample, "deploy/primd.yaml shows a controller: example")
        let (config, diagnostics) = HostConfig.parse(Array(lines.joined(separator: "\n").utf8), file: "primd.yaml")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(config.controller.repo, "https://git.example.com/ops/prim-state.git")
        XCTAssertEqual(config.controller.tokenFile, "/etc/prim/git-token")
        XCTAssertEqual(config.tls?.certificates.map(\.names), [["*.example.com", "example.com"]])
    }

    func testTheMainCaddyfileImportsPrimsSitesThenTheOperators() {
        let (config, diagnostics) = HostConfig.parse(
            Array("caddy:\n  fragment_dir: /f\n  import: [/etc/caddy/Caddyfile, /srv/sites.caddy]\n".utf8),
            file: "c.yaml")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(
            config.caddyMainText(header: "{\n}\n"),
            "{\n}\n\nimport /f/*.caddy\nimport /etc/caddy/Caddyfile\nimport /srv/sites.caddy\n")
        let (_, bad) = HostConfig.parse(Array("caddy:\n  import: [sites.caddy, /a b]\n".utf8), file: "c.yaml")
        XCTAssertEqual(bad.map(\.code), ["invalid-import", "invalid-import"])
        XCTAssertEqual(bad.map(\.line), [2, 2])
    }
}

final class ExtraCaddyValidationTests: XCTestCase {
    func testAnExtraBlockIsCheckedAgainstTheHostAndTheOtherPrims() {
        let result = StateLoader.load(
            Fixtures.snapshot([
                "hosts/vps.yaml": "domain: prim.sh\n",
                "prims/search.yaml": "id: search\nstatus: live\nport: 3005\n",
                "prims/evil.yaml": """
                id: evil
                status: testing
                port: 3100
                deploy:
                  extra_caddy:
                    - |
                      {
                        admin 0.0.0.0:2019
                      }
                    - |
                      search.prim.sh {
                        reverse_proxy localhost:3100
                      }
                    - "files.prim.sh {\\n  root * /\\n  file_server\\n}"

                """,
            ]))
        XCTAssertEqual(
            result.errors.map { "\($0.file):\($0.line):\($0.column) \($0.code)" },
            [
                "prims/evil.yaml:7:7 caddy-site",
                "prims/evil.yaml:11:7 caddy-site",
                "prims/evil.yaml:15:3 caddy-directive",
                "prims/evil.yaml:16:3 caddy-directive",
            ])
        XCTAssertTrue(result.errors[1].message.contains("another prim's endpoint"), result.errors[1].message)
    }
}
