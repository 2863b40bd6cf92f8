import Foundation
import XCTest

/// The README stays short, and every link in it and in docs/ leads somewhere: a file of the
/// repository, and a heading in it when the link names one.
final class DocsTests: XCTestCase {
    let root = Fixtures.repositoryRoot

    var documents: [URL] {
        let docs = root.appendingPathComponent("docs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
        return [root.appendingPathComponent("README.md")]
            + names.filter { $0.hasSuffix(".md") }.sorted().map { docs.appendingPathComponent($0) }
    }

    /// GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen.
    static func anchor(_ heading: String) -> String {
        String(heading.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" })
            .replacingOccurrences(of: " ", with: "-")
    }

    /// The anchors of a Markdown file's headings (outside code blocks).
    static func anchors(_ text: String) -> Set<String> {
        var fenced = false
        var result: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle() }
            guard !fenced, line.hasPrefix("#") else { continue }
            let heading = line.drop { $0 == "#" }
            guard heading.hasPrefix(" ") else { continue }
            result.insert(anchor(String(heading.dropFirst())))
        }
        return result
    }

    /// `[text](target)` links outside code blocks and code spans.
    static func links(_ text: String) -> [String] {
        var fenced = false
        var result: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle() }
            guard !fenced else { continue }
            let prose = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
            var rest = Substring(prose)
            while let open = rest.range(of: "](") {
                let after = rest[open.upperBound...]
                guard let close = after.firstIndex(of: ")") else { break }
                result.append(String(after[..<close]))
                rest = after[close...]
            }
        }
        return result
    }

    func testTheReadmeIsShort() throws {
        let lines = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).count
        XCTAssertLessThanOrEqual(lines, 200, "README.md has \(lines) lines; move the detail to docs/")
    }

    func testEveryLinkResolves() throws {
        var broken: [String] = []
        XCTAssertGreaterThan(documents.count, 5, "docs/ is where the detail lives")
        for document in documents {
            let text = try String(contentsOf: document, encoding: .utf8)
            for link in Self.links(text) where !link.contains("://") && !link.hasPrefix("mailto:") {
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let target =
                    parts[0].isEmpty ? document : document.deletingLastPathComponent().appendingPathComponent(parts[0])
                guard FileManager.default.fileExists(atPath: target.path) else {
                    broken.append("\(document.lastPathComponent): \(link) (no such file)")
                    continue
                }
                if parts.count == 2, target.pathExtension == "md" {
                    let headings = Self.anchors(try String(contentsOf: target, encoding: .utf8))
                    if !headings.contains(parts[1]) {
                        broken.append("\(document.lastPathComponent): \(link) (no such heading)")
                    }
                }
            }
        }
        XCTAssertEqual(broken, [], "\n" + broken.joined(separator: "\n"))
    }

    func testTheCheckSeesABrokenLink() {
        XCTAssertEqual(Self.links("see [x](docs/nowhere.md#a) and `[y](z)`"), ["docs/nowhere.md#a"])
        XCTAssertEqual(Self.anchor("Promotion: testing → live"), "promotion-testing--live")
        XCTAssertEqual(Self.anchor("Paying pr.sh"), "paying-prsh")
    }
}
