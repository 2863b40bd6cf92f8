import PrimModel

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

    /// Whether a path can be a manifest line's: relative, no control character (a line break would
    /// start another line), no `.`/`..` segment.
    public static func isPlainPath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            && !path.split(separator: "/", omittingEmptySubsequences: false).contains {
                $0 == "." || $0 == ".." || $0.isEmpty
            }
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
            guard parts.count == 3, parts[0] == "644" || parts[0] == "755", isPlainPath(String(parts[2])),
                files[String(parts[2])] == nil
            else { return nil }
            files[String(parts[2])] = Entry(digest: String(parts[1]), executable: parts[0] == "755")
        }
        return ReleaseManifest(files: files)
    }
}

/// What a prim runs as, but for its `status`: its code (the release, without the file that
/// declares the prim), every key it declares (`Prim.declaration`) and the fields that decide how
/// it runs and answers, its host's values (command, user, env), and the committed values of the
/// secrets it gets. A value held only in the host's secret store is not in it: pr.sh cannot read
/// the store, and a digest of a secret would let anyone guess it. A promotion (`testing → live` and nothing else)
/// keeps it; any other change does not. pr.sh and primd compute the same from the same commit.
public enum PrimIdentity {
    public static func digest(of prim: Prim, release: ReleaseManifest?, in state: DesiredState) -> String {
        var code = release
        code?.files[prim.file] = nil
        var lines = ["code \(code?.digest ?? "none")"]
        func q(_ value: String?) -> String { value.map { String(reflecting: $0) } ?? "-" }
        lines.append(
            "prim \(q(prim.id)) port \(prim.port.map(String.init) ?? "-") endpoint \(q(prim.endpoint)) env \(prim.env.map(q).joined(separator: ","))"
        )
        for provider in prim.providers {
            lines.append(
                "provider \(q(provider.name)) \(provider.env.map(q).joined(separator: ",")) \(q(provider.status)) \(provider.isDefault) \(q(provider.url))"
            )
        }
        for route in prim.routes {
            lines.append(
                "route \(q(route.method)) \(q(route.path)) \(route.status.map(String.init) ?? "-") \(route.isPaid) \(route.price.map(String.init) ?? "-") \(q(route.example))"
            )
        }
        lines.append("prices \(prim.prices.map(String.init).joined(separator: ","))")
        // The declaration as the prim's code may read it (its prim.yaml ships in the release), and the host's values it runs with.
        lines.append("declared \(Digest.sha256(prim.declaration))")
        if let host = state.host(for: prim) {
            lines.append(
                "host \(q(host.command(for: prim))) \(q(host.workdir)) \(q(host.user)) \(q(host.group)) \(q(host.domain))"
            )
            lines += host.env.keys.sorted().map { "host-env \(q($0))=\(q(host.env[$0]))" }
        }
        let deploy = prim.deploy
        lines.append(
            "deploy \(q(deploy.command)) \(q(deploy.health.path)) \(deploy.health.status) \(deploy.health.timeoutSeconds) \(q(deploy.maxBodySize)) \(deploy.accessLog) \(deploy.systemdAfter.map(q).joined(separator: ",")) \(deploy.limits.described.map(q).joined(separator: ",")) \(q(deploy.restart)) \(q(deploy.host)) \(deploy.hardening)"
        )
        lines += deploy.extraCaddy.map { "caddy \(q($0))" }
        for key in prim.requiredEnv {
            let secrets = state.secrets.filter { $0.name == key }
            lines += secrets.map { "secret \(q(key)) \($0.encrypted.map { Digest.sha256($0) } ?? "store")" }
        }
        return Digest.sha256(lines.joined(separator: "\n"))
    }
}
