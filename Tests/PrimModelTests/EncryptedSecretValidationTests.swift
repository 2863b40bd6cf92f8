import PrimModel
import XCTest

/// What `validate` sees of an `encrypted:` value without a key: armor, the age header's shape.
final class EncryptedSecretValidationTests: XCTestCase {
    static let valid = """
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBqMXkwMHRRdktzcGFPR0xi
        d0l5NGI3UCtDa2ltaHdVMjlyYmh5c0RVMEVnCjRkUDZTemNaaWtVaVFXZ3k4SnV6
        eTZHa2tEZFMzMkc5aUp6aTd5U0RGK2MKLS0tIG03eFB1cm9UNkYyMzdxN2ZBU0RT
        K3BLK0FGSCtMNkU5VXc1ZkhxcU81KzQKWwcO7nZPSGIgon1usjUPCZrcGBNSALcK
        67i3utcAUT4n
        -----END AGE ENCRYPTED FILE-----
        """

    func codes(_ armor: String) -> [String] {
        let yaml =
            "prims: [a]\nencrypted: |\n"
            + armor.split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }.joined(separator: "\n")
            + "\n"
        let result = StateLoader.load(
            StateSnapshot(entries: [
                "secrets/KEY.yaml": .file(Array(yaml.utf8)),
                "prims/a.yaml": .file(Array("id: a\nstatus: testing\nport: 3001\nenv: [KEY]\n".utf8)),
            ]))
        return result.errors.map { "\($0.file):\($0.mark.line):\($0.mark.column) \($0.code)" }
    }

    func testAValidFileAndWhatIsNot() {
        XCTAssertEqual(codes(Self.valid), [])
        XCTAssertEqual(
            codes("-----BEGIN AGE ENCRYPTED FILE-----\naGVsbG8=\n-----END AGE ENCRYPTED FILE-----"),
            ["secrets/KEY.yaml:2:12 secret-format"], "armor of no age file")
        XCTAssertEqual(codes(Self.valid + "\njunk"), ["secrets/KEY.yaml:2:12 secret-format"], "junk after the armor")
        XCTAssertEqual(
            codes(Self.valid.replacingOccurrences(of: "67i3utcAUT4n", with: "67i3utcAUT4n=")),
            ["secrets/KEY.yaml:2:12 secret-format"], "non-canonical base64")
        XCTAssertEqual(codes("v=not-encrypted"), ["secrets/KEY.yaml:2:12 secret-plaintext"])
    }
}
