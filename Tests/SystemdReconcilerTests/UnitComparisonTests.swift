import PrimPlan
import SystemdReconciler
import XCTest

/// Each rule of how a unit file change affects the running unit, as a named case.
final class UnitComparisonTests: XCTestCase {
    static let base = """
        # Managed by prim
        [Unit]
        Description=search.sh
        Documentation=https://search.prim.sh
        After=network-online.target

        [Service]
        ExecStart=/usr/bin/python3 server.py
        MemoryMax=256M

        [Install]
        WantedBy=multi-user.target

        """

    struct Rule {
        var name: String
        var from: String
        var to: String
        var effect: UnitComparison.Effect
    }

    static let rules: [Rule] = [
        Rule(
            name: "identical files change nothing", from: "Description=search.sh", to: "Description=search.sh",
            effect: .none),
        Rule(
            name: "comments and blank lines change nothing", from: "# Managed by prim", to: "# Managed by prim, edited",
            effect: .none),
        Rule(
            name: "Description never restarts", from: "Description=search.sh", to: "Description=search.sh — web search",
            effect: .rewriteOnly(keys: ["Unit.Description"])),
        Rule(
            name: "Documentation never restarts", from: "Documentation=https://search.prim.sh",
            to: "Documentation=https://docs.prim.sh",
            effect: .rewriteOnly(keys: ["Unit.Documentation"])),
        Rule(
            name: "[Install] re-enables only", from: "WantedBy=multi-user.target", to: "WantedBy=default.target",
            effect: .reenable(keys: ["Install.WantedBy"])),
        Rule(
            name: "Any other [Unit] key restarts", from: "After=network-online.target",
            to: "After=network-online.target x.service",
            effect: .restart(keys: ["Unit.After"])),
        Rule(
            name: "ExecStart restarts", from: "ExecStart=/usr/bin/python3 server.py",
            to: "ExecStart=/usr/bin/python3 server2.py",
            effect: .restart(keys: ["Service.ExecStart"])),
        Rule(
            name: "a removed key restarts", from: "MemoryMax=256M\n", to: "",
            effect: .restart(keys: ["Service.MemoryMax"])),
        Rule(
            name: "restart wins over documentation", from: "MemoryMax=256M", to: "MemoryMax=512M\nDescription=x",
            effect: .restart(keys: ["Service.Description", "Service.MemoryMax"])),
    ]

    func testRules() {
        for rule in Self.rules {
            let old = Self.base
            let new = Self.base.replacingOccurrences(of: rule.from, with: rule.to)
            XCTAssertEqual(UnitComparison.effect(old: old, new: new), rule.effect, rule.name)
        }
    }

    func testRulesActuallyEditTheBase() {
        for rule in Self.rules where rule.from != rule.to {
            XCTAssertTrue(Self.base.contains(rule.from), "rule '\(rule.name)' must edit a line of the base unit")
        }
    }

    func testRepeatedKeysCompareAsLists() {
        XCTAssertEqual(
            UnitComparison.changedKeys("[Unit]\nAfter=a\nAfter=b\n", "[Unit]\nAfter=b\nAfter=a\n"), ["Unit.After"])
    }
}
