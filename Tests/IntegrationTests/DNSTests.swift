import Foundation
import PrimSystem
import XCTest

/// DNS records on the testbed's real PowerDNS, asserted with `dig +norecurse` against its DNS port
/// and its HTTP API; each test gets a fresh testbed (whose PowerDNS has zone prim.test).
final class DNSTests: XCTestCase {
    var testbed: Testbed!
    var pdns: PowerDNSAPI!
    var state = ""

    /// Prims p1…p<count> (testing), in zone prim.test, and the zone file's own records.
    static func files(
        prims: [String] = ["p1", "p2", "p3"],
        records: String = "  - { name: \"@\", type: TXT, content: '\"prim test\"' }\n"
    ) -> [String: String] {
        var files = [
            "hosts/t.yaml":
                "address: 127.0.0.1\ndomain: prim.test\nshared: [packages/stub]\nrun: /usr/bin/python3 packages/stub/server.py --name {id}.sh\n",
            "packages/stub/server.py": ConvergedState.stub,
            "dns/prim.test.yaml": "provider: powerdns\nttl: 60\nrecords:\n" + records,
        ]
        for (index, prim) in prims.enumerated() {
            files["prims/\(prim).yaml"] = "id: \(prim)\nstatus: testing\nport: \(3400 + index)\n"
        }
        return files
    }

    override func setUpWithError() throws {
        testbed = try Testbed.up()
        pdns = PowerDNSAPI(testbed: testbed)
        state = try writeTree(Self.files())
    }

    override func tearDown() {
        testbed?.down()
        try? FileManager.default.removeItem(atPath: state)
    }

    @discardableResult
    func apply(expect status: Int32 = 0, _ extra: [String] = []) throws -> CommandResult {
        let result = try testbed.primctl(["apply", "--state", state, "--yes"] + extra)
        XCTAssertEqual(result.status, status, result.stdout + result.stderr)
        return result
    }

    /// The apply's step events, in order, as `address action`.
    func steps(_ extra: [String] = [], expect status: Int32 = 0) throws -> [String] {
        let result = try apply(expect: status, ["--format", "json"] + extra)
        return result.stdout.split(separator: "\n").compactMap { line in
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                event["event"] as? String == "step", event["ok"] as? Bool == true
            else { return nil }
            return "\(event["address"]!) \(event["action"]!)"
        }
    }

    func edit(_ files: [String: String?]) throws {
        for (path, text) in files {
            if let text {
                try write(Array(text.utf8), to: "\(state)/\(path)")
            } else {
                try FileManager.default.removeItem(atPath: "\(state)/\(path)")
            }
        }
    }

    /// `primctl dns init ZONE` makes the zone at PowerDNS once; a second run changes nothing, and
    /// a zone the state declares then takes prims' records.
    func testDNSInitMakesAZoneOnceAndPrimsRecordsGoInIt() throws {
        let first = try testbed.primctl(["dns", "init", "second.test", "--format", "json"])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertEqual(first.stdout, "{\"created\":true,\"zone\":\"second.test\"}\n")
        let again = try testbed.primctl(["dns", "init", "second.test."])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("exists at PowerDNS; nothing changed"), again.stdout)
        let bad = try testbed.primctl(["dns", "init", "not a zone"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("is not a zone name"), bad.stderr)

        try write(
            Array("id: p9\nstatus: testing\nport: 3409\nendpoint: p9.second.test\n".utf8), to: "\(state)/prims/p9.yaml")
        try write(Array("provider: powerdns\nttl: 60\n".utf8), to: "\(state)/dns/second.test.yaml")
        try apply()
        XCTAssertEqual(try pdns.dig("p9.second.test"), ["127.0.0.1"], "the new zone serves p9's record")
    }

    func testEveryEndpointResolvesAndASecondApplySendsNoPatch() throws {
        let empty = try pdns.serial("prim.test")
        try apply()
        XCTAssertGreaterThan(
            try pdns.serial("prim.test"), empty, "a PATCH bumps the zone's serial (what the second apply is checked by)"
        )
        for prim in ["p1", "p2", "p3"] {
            XCTAssertEqual(try pdns.dig("\(prim).prim.test"), ["127.0.0.1"], prim)
            XCTAssertEqual(try pdns.rrsets("prim.test")["\(prim).prim.test/A"]?.accounts, ["prim"], "marked as prim's")
        }
        XCTAssertEqual(try pdns.dig("prim.test", "TXT"), ["\"prim test\""], "the zone file's own record")
        XCTAssertEqual(try testbed.primctl(["diff", "--state", state]).status, 0, "diff is empty")
        let serial = try pdns.serial("prim.test")
        XCTAssertEqual(try apply().stdout, "No changes. Live state matches the desired state.\n")
        XCTAssertEqual(
            try pdns.serial("prim.test"), serial, "the second apply sent no PATCH (PowerDNS bumps the serial on each)")
    }

    func testANewPrimsRecordIsServedBeforeItsRouteIsLoaded() throws {
        try apply()
        try edit(["prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\n"])
        let order = try steps()
        let record = try XCTUnwrap(order.firstIndex(of: "dns_record.p4.prim.test/A create"), "\(order)")
        let route = try XCTUnwrap(order.firstIndex(of: "caddy_config.caddy reload"), "\(order)")
        XCTAssertLessThan(record, route, "the record (seen on the server) comes before the route: \(order)")
        XCTAssertEqual(try pdns.dig("p4.prim.test"), ["127.0.0.1"])
        XCTAssertEqual(testbed.viaCaddy("p4.prim.test").1, "{\"service\": \"p4.sh\", \"status\": \"ok\"}")
    }

    func testRemovingAPrimDropsItsRouteThenItsRecordAndForeignRecordsStay() throws {
        try pdns.replace("prim.test", name: "foreign.prim.test", type: "A", contents: ["10.0.0.9"])
        try pdns.replace("prim.test", name: "p1.prim.test", type: "TXT", contents: ["\"someone else's\""])
        try apply()
        try edit(["prims/p3.yaml": nil])
        let order = try steps()
        let route = try XCTUnwrap(order.firstIndex(of: "caddy_config.caddy reload"), "\(order)")
        let record = try XCTUnwrap(order.firstIndex(of: "dns_record.p3.prim.test/A delete"), "\(order)")
        XCTAssertLessThan(route, record, "the route goes first, then the record: \(order)")
        XCTAssertEqual(try pdns.dig("p3.prim.test"), [])
        let zone = try pdns.rrsets("prim.test")
        XCTAssertEqual(
            zone["foreign.prim.test/A"]?.contents, ["10.0.0.9"], "a foreign record is untouched by the prune")
        XCTAssertEqual(zone["foreign.prim.test/A"]?.accounts, [])
        XCTAssertEqual(
            zone["p1.prim.test/TXT"]?.contents, ["\"someone else's\""],
            "a foreign record at a prim's name, of another type, is untouched")
        XCTAssertEqual(try pdns.dig("p1.prim.test"), ["127.0.0.1"])
    }

    func testAForeignRecordAtAnEndpointBlocksThatPrimUntilAdopted() throws {
        try pdns.replace("prim.test", name: "p2.prim.test", type: "A", contents: ["10.9.9.9"])
        try testbed.diffSays(
            state, "prim 'p2' is not deployed: a record prim did not create is at its name: p2.prim.test/A (10.9.9.9)",
            "--adopt-dns")
        let blocked = try apply(expect: 0)
        XCTAssertFalse(blocked.stdout.contains("prim-p2.service"), blocked.stdout)
        XCTAssertEqual(try pdns.dig("p1.prim.test"), ["127.0.0.1"], "the others converge")
        XCTAssertEqual(try pdns.dig("p2.prim.test"), ["10.9.9.9"], "the foreign record is untouched")
        XCTAssertEqual(try pdns.rrsets("prim.test")["p2.prim.test/A"]?.accounts, [])

        let adopted = try apply(["--adopt-dns"])
        XCTAssertTrue(adopted.stdout.contains("dns_record.p2.prim.test/A: Modifications complete"), adopted.stdout)
        XCTAssertEqual(try pdns.dig("p2.prim.test"), ["127.0.0.1"])
        XCTAssertEqual(try pdns.rrsets("prim.test")["p2.prim.test/A"]?.accounts, ["prim"], "taken over and marked")
        XCTAssertEqual(
            try testbed.primctl(["diff", "--state", state]).status, 0, "once marked, it is prim's without the flag")
    }

    func testTheDeleteGuardRefusesDeletingMostOfAZonesRecords() throws {
        let extras = (1...4).map { "  - { name: extra\($0), type: A, content: 10.0.0.\($0) }\n" }.joined()
        try edit([
            "dns/prim.test.yaml": "provider: powerdns\nrecords:\n" + extras, "prims/p2.yaml": nil, "prims/p3.yaml": nil,
        ])
        try apply()
        XCTAssertEqual(try pdns.dig("extra4.prim.test"), ["10.0.0.4"])
        let zone = try pdns.rrsets("prim.test")
        try edit(["dns/prim.test.yaml": "provider: powerdns\nrecords: []\n"])
        let refused = try testbed.primctl(["apply", "--state", state, "--yes", "--format", "json"])
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stdout.contains("\"code\":\"dns-deletes\""), refused.stdout)
        XCTAssertTrue(
            refused.stdout.contains("delete 4 of the 5 records prim manages in zone prim.test"), refused.stdout)
        XCTAssertTrue(
            refused.stdout.contains("extra1.prim.test/A, extra2.prim.test/A, extra3.prim.test/A, extra4.prim.test/A"),
            refused.stdout)
        XCTAssertEqual(
            try pdns.rrsets("prim.test").mapValues(\.contents), zone.mapValues(\.contents), "nothing changed")
        try apply(["--allow-dns-deletes"])
        XCTAssertEqual(try pdns.dig("extra1.prim.test"), [])
        XCTAssertEqual(try pdns.dig("p1.prim.test"), ["127.0.0.1"])
    }

    /// PowerDNS refuses a batch when a record appears at a name between the plan and the PATCH (here a
    /// CNAME someone writes while the apply runs). In the same apply a live prim moves port, so its
    /// route was handed to its side-by-side candidate: it must still answer after the failed apply.
    func testARecordPowerDNSRejectsChangesNothingInItsZoneAndTheLivePrimStillAnswers() throws {
        try edit(["prims/p1.yaml": "id: p1\nstatus: live\nport: 3400\n"])
        try apply()
        XCTAssertEqual(testbed.viaCaddy("p1.prim.test").1, "{\"service\": \"p1.sh\", \"status\": \"ok\"}")
        let zone = try pdns.rrsets("prim.test")
        try edit([
            "prims/p1.yaml": "id: p1\nstatus: live\nport: 3450\n",
            "prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\n",
            "dns/prim.test.yaml":
                "provider: powerdns\nttl: 60\nrecords:\n  - { name: extra, type: A, content: 10.0.0.7 }\n",
        ])
        let out = "\(testbed.directory)/rejected.out"
        let apply = Command.spawn(
            Paths.primctl, ["apply", "--state", state, "--yes", "--config", testbed.config], stdout: out,
            stderr: out + ".err")
        let journal = "\(testbed.dataDir)/journal.jsonl"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: journal), Date() < deadline { usleep(2_000) }
        // Planned; its units start and pass their gates before any record is written.
        try pdns.replace("prim.test", name: "p4.prim.test", type: "CNAME", contents: ["elsewhere.example."])
        XCTAssertEqual(Command.wait(apply), 1)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        XCTAssertTrue(text.contains("PowerDNS rejected the change to zone prim.test, so nothing in it changed"), text)
        XCTAssertTrue(
            text.contains("RRset p4.prim.test. IN A: Conflicts with pre-existing RRset"),
            "the server's message names the rrset: \(text)")
        var after = try pdns.rrsets("prim.test").mapValues(\.contents)
        XCTAssertEqual(after.removeValue(forKey: "p4.prim.test/CNAME"), ["elsewhere.example."])
        var before = zone.mapValues(\.contents)
        // The CNAME written behind the apply's back raised the serial.
        XCTAssertNotNil(after.removeValue(forKey: "prim.test/SOA"))
        XCTAssertNotNil(before.removeValue(forKey: "prim.test/SOA"))
        XCTAssertEqual(after, before, "nothing of the batch was written (the zone file's new record neither)")
        XCTAssertFalse(try testbed.caddyConfig().contains("p4.prim.test"), "the new prim's route was not loaded")
        XCTAssertEqual(
            testbed.viaCaddy("p1.prim.test").1, "{\"service\": \"p1.sh\", \"status\": \"ok\"}",
            "the moved live prim answers: its route points at its new version, not at its stopped candidate")
        // The conflict is seen at the next plan: p4 is blocked, the rest goes through.
        let next = try self.apply(expect: 0)
        XCTAssertTrue(
            next.stdout.contains("prim 'p4' is not deployed: a record prim did not create is at its name"), next.stdout)
        XCTAssertEqual(try pdns.dig("extra.prim.test"), ["10.0.0.7"])
    }

    func testABlockedPrimKeepsItsLiveRouteWhenOthersChange() throws {
        try apply()
        // p2's record loses prim's mark (someone rewrote it): p2 is blocked, and its new port must not reach Caddy.
        let response = try pdns.request(
            "PATCH", "/zones/prim.test.",
            [
                "rrsets": [
                    [
                        "name": "p2.prim.test.", "type": "A", "ttl": 60, "changetype": "REPLACE",
                        "records": [["content": "127.0.0.1", "disabled": false]], "comments": [Any](),
                    ]
                ]
            ])
        XCTAssertEqual(response.status, 204, response.text)
        try edit([
            "prims/p2.yaml": "id: p2\nstatus: testing\nport: 3452\n",
            "prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\n",
        ])
        let result = try apply(expect: 0)
        XCTAssertTrue(result.stdout.contains("prim 'p2' is not deployed"), result.stdout)
        XCTAssertEqual(
            testbed.viaCaddy("p2.prim.test").1, "{\"service\": \"p2.sh\", \"status\": \"ok\"}",
            "p2 is served as it was live")
        XCTAssertFalse(try testbed.caddyConfig().contains("3452"), "p2's unapplied port is not routed to")
        XCTAssertEqual(
            testbed.viaCaddy("p4.prim.test").1, "{\"service\": \"p4.sh\", \"status\": \"ok\"}", "the others converge")
    }

    /// A DNS provider that does not answer: no record is checked or changed, a prim that needs a new
    /// record waits, and the rest of the host is still applied.
    func testWhileTheProviderIsDownOnlyPrimsNeedingANewRecordWait() throws {
        try apply()
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
            .replacingOccurrences(of: testbed.environment["PDNS_API"]!, with: "http://127.0.0.1:9")
        let down = "\(testbed.directory)/dns-down.yaml"
        try config.write(toFile: down, atomically: true, encoding: .utf8)
        try edit([
            "prims/p1.yaml": "id: p1\nstatus: testing\nport: 3453\n",
            "prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\n",
        ])
        let result = try Primctl.run(["apply", "--state", state, "--yes", "--config", down])
        XCTAssertEqual(
            result.status, 0, "what could be applied converged; p4 waits (a warning): " + result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("the DNS provider did not answer"), result.stdout)
        XCTAssertTrue(
            result.stdout.contains("prim 'p4' is not deployed: its route must wait for its DNS record"), result.stdout)
        XCTAssertEqual(
            testbed.viaCaddy("p1.prim.test").1, "{\"service\": \"p1.sh\", \"status\": \"ok\"}",
            "p1's port change went through")
        XCTAssertTrue(try testbed.caddyConfig().contains("3453"))
        XCTAssertFalse(try testbed.caddyConfig().contains("p4.prim.test"), "p4 has no route before its record")
        XCTAssertEqual(try pdns.dig("p4.prim.test"), [])
        // The provider is back: p4 gets its record, then its route.
        try apply()
        XCTAssertEqual(try pdns.dig("p4.prim.test"), ["127.0.0.1"])
        XCTAssertEqual(testbed.viaCaddy("p4.prim.test").1, "{\"service\": \"p4.sh\", \"status\": \"ok\"}")
    }

    /// An NS delegation at the provider that dns/ does not declare hides a name from its zone: the
    /// plan knows it, and the prim waits without its route, on this apply and the next.
    func testAnUndeclaredDelegationAtTheProviderBlocksThePrimAndItsRoute() throws {
        try apply()
        try pdns.replace("prim.test", name: "sub.prim.test", type: "NS", contents: ["ns1.elsewhere.example."])
        try edit(["prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\nendpoint: p4.sub.prim.test\n"])
        for attempt in 1...2 {
            // A blocked prim is a warning: the apply exits 0 whether or not anything else changed.
            let result = try testbed.primctl(["apply", "--state", state, "--yes"])
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            XCTAssertTrue(
                result.stdout.contains(
                    "prim 'p4' is not deployed: p4.sub.prim.test/A is delegated to other name servers by the NS record of sub.prim.test at the DNS provider"
                ),
                "attempt \(attempt): \(result.stdout)")
            XCTAssertFalse(
                try testbed.caddyConfig().contains("p4.sub.prim.test"),
                "attempt \(attempt): no route for a name the zone does not serve")
        }
        XCTAssertNil(
            try pdns.rrsets("prim.test")["p4.sub.prim.test/A"], "no record written where it would not be served")
    }

    /// Records before routes on every attempt: when the authoritative server does not serve a
    /// record written by an earlier, failed attempt, the retry still does not load the route; the
    /// failure names that record only.
    func testARetryDoesNotLoadARouteWhoseRecordIsNotServed() throws {
        try apply()
        // Asking the wrong port stands for a server that does not serve what its API stored.
        let config = try String(contentsOfFile: testbed.config, encoding: .utf8)
            .replacingOccurrences(of: "server: \(testbed.environment["PDNS_DNS"]!)", with: "server: 127.0.0.1:9")
        let deaf = "\(testbed.directory)/dns-deaf.yaml"
        try config.write(toFile: deaf, atomically: true, encoding: .utf8)
        try edit(["prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\n"])
        for attempt in 1...2 {
            let result = try Primctl.run(["apply", "--state", state, "--yes", "--config", deaf, "--format", "json"])
            XCTAssertNotEqual(result.status, 0, "attempt \(attempt): " + result.stdout)
            let failed = result.stdout.split(separator: "\n").compactMap { line -> String? in
                guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    event["event"] as? String == "step", event["ok"] as? Bool == false
                else { return nil }
                return event["address"] as? String
            }
            XCTAssertEqual(
                failed, ["dns_record.p4.prim.test/A"],
                "attempt \(attempt): the failure is the record's own: \(result.stdout)")
            XCTAssertFalse(
                try testbed.caddyConfig().contains("p4.prim.test"),
                "attempt \(attempt): no route before its record is served")
        }
        try apply()
        XCTAssertEqual(testbed.viaCaddy("p4.prim.test").1, "{\"service\": \"p4.sh\", \"status\": \"ok\"}")
    }

    func testAnAToCNAMESwapHappensInOneApply() throws {
        try edit([
            "dns/prim.test.yaml": "provider: powerdns\nrecords:\n  - { name: alias, type: A, content: 10.1.1.1 }\n"
        ])
        try apply()
        XCTAssertEqual(try pdns.dig("alias.prim.test"), ["10.1.1.1"])
        try edit([
            "dns/prim.test.yaml":
                "provider: powerdns\nrecords:\n  - { name: alias, type: CNAME, content: p1.prim.test. }\n"
        ])
        let order = try steps()
        XCTAssertTrue(
            order.contains("dns_record.alias.prim.test/A delete")
                && order.contains("dns_record.alias.prim.test/CNAME create"), "\(order)")
        XCTAssertEqual(try pdns.dig("alias.prim.test", "CNAME"), ["p1.prim.test."])
        XCTAssertNil(try pdns.rrsets("prim.test")["alias.prim.test/A"])
        XCTAssertEqual(try testbed.primctl(["diff", "--state", state]).status, 0)
    }

    func testDriftOnARecordIsShownAndRepaired() throws {
        try apply()
        try pdns.replace("prim.test", name: "p1.prim.test", type: "A", contents: ["10.6.6.6"], ttl: 60)
        // PowerDNS keeps the comments of an rrset replaced without any: the record is still prim's.
        let diff = try testbed.primctl(["diff", "--state", state])
        XCTAssertEqual(diff.status, 2)
        XCTAssertTrue(diff.stdout.contains("# p1.prim.test/A will be updated in-place"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("- p1.prim.test. 60 IN A 10.6.6.6"), diff.stdout)
        try apply()
        XCTAssertEqual(try pdns.dig("p1.prim.test"), ["127.0.0.1"])
    }

    func testKillDuringADNSApplyThenApplyConvergesWithoutDuplicates() throws {
        try apply()
        try edit([
            "prims/p4.yaml": "id: p4\nstatus: testing\nport: 3410\n",
            "prims/p5.yaml": "id: p5\nstatus: testing\nport: 3411\n",
        ])
        let pdnsPID = pid_t(
            try String(contentsOfFile: "\(testbed.directory)/pdns.pid", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines))!
        let events = "\(testbed.directory)/killed.out"
        let apply = Command.spawn(
            Paths.primctl, ["apply", "--state", state, "--yes", "--format", "json", "--config", testbed.config],
            stdout: events, stderr: events + ".err")
        // Freeze PowerDNS once the apply has planned (its journal exists). Once both new prims' gates
        // have reported, the apply is in its DNS batch, waiting on PowerDNS: kill it there.
        let journal = "\(testbed.dataDir)/journal.jsonl"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: journal), Date() < deadline { usleep(2_000) }
        kill(pdnsPID, SIGSTOP)
        func gated(_ prim: String) -> Bool {
            ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("\"prim\":\"\(prim)\"")
        }
        while !(gated("p4") && gated("p5")), Date() < deadline { usleep(5_000) }
        usleep(100_000)
        let before = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
        XCTAssertTrue(gated("p4") && gated("p5"), "the apply got past its units and gates: \(before)")
        XCTAssertFalse(
            before.split(separator: "\n").contains { $0.contains("\"event\":\"step\"") && $0.contains("dns_record") },
            "and not past its DNS batch: \(before)")
        kill(apply, SIGKILL)
        _ = Command.wait(apply)
        kill(pdnsPID, SIGCONT)
        XCTAssertTrue(FileManager.default.fileExists(atPath: journal), "the killed apply left its journal")
        let again = try self.apply()
        XCTAssertTrue(again.stdout.contains("Apply complete!"), again.stdout)
        for prim in ["p1", "p4", "p5"] {
            XCTAssertEqual(try pdns.dig("\(prim).prim.test"), ["127.0.0.1"], "\(prim): one record, no duplicates")
        }
        XCTAssertEqual(try testbed.primctl(["diff", "--state", state]).status, 0)
    }

}
