/// Which keys of an env file differ between two versions, without keeping or showing a value:
/// each `KEY=value` line is hashed with a salt drawn once per process, so the digests mean nothing
/// outside it (a digest of a short secret could otherwise be guessed).
public enum EnvKeyDigests {
    static let salt: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    /// Each key's salted digest, from an env file's text (comments and blank lines skipped).
    public static func of(_ text: String) -> [String: String] {
        var digests: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            digests[String(line[..<equals])] = Digest.sha256(salt + Array(line.utf8))
        }
        return digests
    }

    /// The keys whose values differ, and those only one side has: "changed: PORT; added: KEY".
    public static func summary(old: [String: String], new: [String: String]) -> String? {
        let changed = old.keys.filter { new[$0] != nil && new[$0] != old[$0] }.sorted()
        let added = new.keys.filter { old[$0] == nil }.sorted()
        let removed = old.keys.filter { new[$0] == nil }.sorted()
        let parts = [("changed", changed), ("added", added), ("removed", removed)].filter { !$0.1.isEmpty }
            .map { "\($0.0): \($0.1.joined(separator: ", "))" }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Attribute keys an observation stores them under.
    public static let prefix = "key-digest:"

    public static func attributes(_ text: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: of(text).map { (prefix + $0.key, $0.value) })
    }

    public static func fromAttributes(_ attributes: [String: String]) -> [String: String]? {
        let found = attributes.filter { $0.key.hasPrefix(prefix) }
        return found.isEmpty
            ? nil : Dictionary(uniqueKeysWithValues: found.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }
}
