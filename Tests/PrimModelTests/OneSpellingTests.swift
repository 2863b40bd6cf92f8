import Foundation
import XCTest

/// The code says each fact once: the state tree's layout, the data dirs' files, conditions and
/// their reasons, check names and pr.sh's actions are spelled in their own type, and nowhere else
/// in Sources/ or reconcilers/. A second spelling found here is a place that drifts from the first.
final class OneSpellingTests: XCTestCase {
    struct Rule {
        /// What is spelled once.
        var fact: String
        /// The files allowed to spell it (its type).
        var home: [String]
        /// Substrings of source lines that spell it.
        var spellings: [String]
    }

    static let folders = ["prims", "hosts", "secrets", "dns", "providers", "owners", "packages"]

    /// The reasons a condition gives (Flux's style).
    static let reasons = [
        "AttemptCrashed", "BranchMissing", "FetchFailed", "HealthCheckFailed", "HistoryRewritten",
        "InvalidCommitSignature",
        "InvalidState", "Progressing", "ReconcileFailed", "ReconciliationSucceeded", "Resumed", "RetryingAfterError",
        "SuspendedByOperator",
    ]

    static let rules = [
        Rule(
            fact: "the state tree's layout", home: ["Sources/PrimModel/StateLayout.swift"],
            spellings: folders.flatMap { ["\"\($0)/", "case \"\($0)\"", "== \"\($0)\""] }
                + ["\"policy.yaml\"", "\"primitives.yaml\"", "\"prim.yaml\""]),
        Rule(
            fact: "the data dirs' files", home: ["Sources/PrimModel/HostPaths.swift"],
            spellings: [
                "/lock\"", "status.json\"", "attempt.json\"", "journal.jsonl\"", "inventory.json\"", "/suspended\"",
                "/generations\"", "/archives\"", "/cache\"", "/cache/", "version.key\"", "/secrets\"", "/secrets/",
                "/releases\"",
                "/releases/", "/versions\"", "/versions/", "dns-drift-read\"", "dns-unconfirmed.json\"",
                "payments.jsonl\"",
                "github.git\"", "wallets.json\"", ")/prs\"", ")/prs/",
            ]),
        Rule(
            fact: "conditions and their reasons", home: ["Sources/PrimStatus/ControllerStatus.swift"],
            spellings: ["\"Ready\"", "\"Reconciling\"", "\"Stalled\"", "\"Suspended\"", "condition(\"", ".set(\""]
                + reasons.map { "\"\($0)\"" }),
        Rule(
            fact: "check names", home: ["Sources/PRService/PullRequest.swift"],
            spellings: ["Check(name: \"", "name == \"", "= Name(rawValue: \""]),
        Rule(
            fact: "pr.sh's actions", home: ["Sources/PrimModel/Declarations.swift"],
            spellings: ["action: \"", "action == \"", "price(of: \"", "\"merge\"", "\"approve\""]),
        Rule(
            fact: "unit names", home: ["Sources/PrimModel/UnitName.swift"],
            spellings: ["\"prim-\\(", "@.service\"", "@*.service\""]),
    ]

    func testEachFactIsSpelledOnlyInItsType() throws {
        let root = Fixtures.repositoryRoot
        var found: [String] = []
        for folder in ["Sources", "reconcilers"] {
            let base = root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let relative as String in files where relative.hasSuffix(".swift") {
                let path = "\(folder)/\(relative)"
                let text = try String(contentsOf: base.appendingPathComponent(relative), encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.trimmingCharacters(in: .whitespaces)
                    if code.hasPrefix("//") { continue }
                    for rule in Self.rules where !rule.home.contains(path) {
                        for spelling in rule.spellings where line.contains(spelling) {
                            found.append(
                                "\(path):\(number + 1): \(rule.fact) spelled again (\(spelling)); use \(rule.home[0])")
                        }
                    }
                }
            }
        }
        XCTAssertEqual(found, [], "\n" + found.joined(separator: "\n"))
    }

    /// The rule finds what it looks for: a spelling outside its home is reported.
    func testTheRulesSeeASecondSpelling() {
        let line = #"let path = "\(dataDir)/inventory.json""#
        XCTAssertTrue(Self.rules.contains { rule in rule.spellings.contains { line.contains($0) } })
    }
}
