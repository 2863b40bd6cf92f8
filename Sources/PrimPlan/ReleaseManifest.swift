/// The files of a release and their digests. Its text is the release's content:
/// the same files give the same text, digest and release name.
public struct ReleaseManifest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var digest: String
        public var executable: Bool

        public init(digest: String, executable: Bool) {
            self.digest = digest
            self.executable = executable
        }
    }

    public var files: [String: Entry]

    public init(files: [String: Entry]) {
        self.files = files
    }

    /// One line per file, sorted: `<mode> <sha256> <path>`.
    public var text: String {
        files.keys.sorted().map { path in
            let entry = files[path]!
            return "\(entry.executable ? "755" : "644") \(entry.digest) \(path)\n"
        }.joined()
    }

    public var digest: String { Digest.sha256(text) }

    /// Reads a manifest's text back.
    public static func parse(_ text: String) -> ReleaseManifest? {
        var files: [String: Entry] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, parts[0] == "644" || parts[0] == "755" else { return nil }
            files[String(parts[2])] = Entry(digest: String(parts[1]), executable: parts[0] == "755")
        }
        return ReleaseManifest(files: files)
    }
}
