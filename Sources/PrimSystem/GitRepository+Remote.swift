import CLibGit2

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Fetch and push with credentials: a token for http(s) remotes (GitHub's `x-access-token`).
extension GitRepository {
    /// What one transfer needs from its callbacks, and what they report back.
    final class TransferContext {
        let token: String?
        var attempts = 0
        /// The credentials callback gave up: no token, or the token kept being refused.
        var refused = false
        var rejected: [String: String] = [:]

        init(token: String?) { self.token = token }
    }

    static func callbacks(_ context: TransferContext) -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
        callbacks.credentials = { out, _, _, _, payload in
            let context = Unmanaged<TransferContext>.fromOpaque(payload!).takeUnretainedValue()
            context.attempts += 1
            // libgit2 asks again for each request the server answers 401 (the ref listing, then the
            // pack request); a token still refused after a few rounds is wrong.
            guard let token = context.token, context.attempts <= 4 else {
                context.refused = true
                return GIT_EUSER.rawValue
            }
            return git_credential_userpass_plaintext_new(out, "x-access-token", token)
        }
        callbacks.push_update_reference = { name, status, payload in
            let context = Unmanaged<TransferContext>.fromOpaque(payload!).takeUnretainedValue()
            if let name, let status { context.rejected[String(cString: name)] = String(cString: status) }
            return 0
        }
        return callbacks
    }

    /// Fetches `specs` from `url` into this repository, authenticating with `token` when given.
    /// Returns the names of the references the remote advertised (`refs/heads/main`, …): a branch
    /// missing there was deleted, whatever the local copy still holds.
    @discardableResult
    public func fetch(
        _ url: String, token: String?, specs: [String] = ["+refs/heads/*:refs/heads/*"]
    ) throws -> Set<String> {
        var advertised = Set<String>()
        try transfer(url, token: token, specs: specs) { remote, callbacks, array in
            var options = git_fetch_options()
            git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
            options.callbacks = callbacks
            try Self.check(
                git_remote_fetch(remote, &array, &options, nil), "cannot fetch '\(Self.redacted(url))'",
                class: .transient)
            // The list stays readable after the fetch disconnects.
            var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
            var count = 0
            if git_remote_ls(&heads, &count, remote) == 0, let heads {
                for index in 0..<count {
                    if let head = heads[index], let name = head.pointee.name {
                        advertised.insert(String(cString: name))
                    }
                }
            }
        }
        return advertised
    }

    /// Pushes `refspecs` (`src:dst`, never `+`: a push that is not a fast-forward is refused by
    /// the remote, never forced). Throws when the remote rejects a reference.
    public func push(_ url: String, refspecs: [String], token: String?) throws {
        precondition(!refspecs.contains { $0.hasPrefix("+") }, "pr.sh never force-pushes")
        let context = try transfer(url, token: token, specs: refspecs) { remote, callbacks, array in
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            options.callbacks = callbacks
            try Self.check(
                git_remote_push(remote, &array, &options), "cannot push to '\(Self.redacted(url))'", class: .transient)
        }
        if let (ref, why) = context.rejected.first {
            throw RefRefusal.rejected(ref: ref, reason: why)
        }
    }

    /// One fetch or push: an anonymous remote, callbacks with the token, the refspecs as C strings.
    @discardableResult
    func transfer(
        _ url: String, token: String?, specs: [String],
        _ body: (OpaquePointer?, git_remote_callbacks, inout git_strarray) throws -> Void
    ) throws -> TransferContext {
        var remote: OpaquePointer?
        try Self.check(git_remote_create_anonymous(&remote, pointer, url), "cannot use remote '\(Self.redacted(url))'")
        defer { git_remote_free(remote) }
        let context = TransferContext(token: token)
        do {
            try withStrings(specs) { array in
                try withExtendedLifetime(context) { try body(remote, Self.callbacks(context), &array) }
            }
        } catch {
            // The server asked for credentials: say which ones were missing or refused.
            if context.refused {
                throw SystemError(
                    token == nil
                        ? "'\(Self.redacted(url))' asks for credentials; put a token in a file and name it (primd: controller.token_file, pr.sh: --github-token-file)"
                        : "'\(Self.redacted(url))' refused the token", class: .transient)
            }
            if let failure = error as? SystemError, failure.message.contains("certificate") {
                throw SystemError(
                    "\(failure.message); if the server's certificate comes from a private authority, name its PEM file in controller.ca_file (primd) or --github-ca-file (pr.sh)",
                    class: .transient)
            }
            throw error
        }
        return context
    }

    /// Makes https remotes' certificates chain to the authorities in a PEM file, in place of the
    /// system's bundle (a private git server). Process-wide; read again on every call.
    public static func trustCertificateAuthorities(inFile file: String) throws {
        _ = initialized
        try check(prim_git_set_ssl_cert_file(file), "cannot read certificate authorities from '\(file)'")
    }

    func withStrings<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) throws -> T {
        var cStrings = strings.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        return try cStrings.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return try body(&array)
        }
    }
}

extension GitRepository {
    /// Points a reference at a commit unconditionally. Only for a local cache of a remote,
    /// whose references follow what the remote says; never for a repository others read.
    public func setCacheReference(_ name: String, to commit: String) throws {
        var id = try Self.oid(commit)
        var ref: OpaquePointer?
        try Self.check(
            git_reference_create(&ref, pointer, name, &id, 1, "pr.sh: follow the remote"), "cannot set \(name)")
        git_reference_free(ref)
    }

    /// Opens a bare cache repository, creating it when absent.
    public static func openOrCreateBare(_ path: String) throws -> GitRepository {
        _ = initialized
        var repo: OpaquePointer?
        if FileManager.default.fileExists(atPath: path + "/HEAD") {
            try check(git_repository_open_bare(&repo, path), "cannot open '\(path)'")
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try check(git_repository_init(&repo, path, 1), "cannot create '\(path)'")
        }
        return GitRepository(repo!)
    }
}

extension GitRepository {
    /// Follows `branch` of a repository on this machine (a path, or a `file://` URL's) without
    /// copying its objects: the source's object database becomes an alternate of this one (kept in
    /// `objects/info/alternates`), and the branch's commit is written to the same reference here.
    /// libgit2's fetch from a local path would pack every new object in this very process, holding
    /// large blobs in memory while it does. Returns the references the source has of the branch
    /// (empty when it has no such branch).
    public func follow(local path: String, branch: String) throws -> Set<String> {
        let source = try GitRepository.open(path)
        guard let sourceDir = git_repository_path(source.pointer), let ownDir = git_repository_path(pointer) else {
            throw SystemError("cannot find the object folders of '\(path)'")
        }
        let objects = String(cString: sourceDir) + "objects"
        let info = String(cString: ownDir) + "objects/info"
        let file = info + "/alternates"
        let listed = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
        if !listed.contains(objects) {
            try FileManager.default.createDirectory(atPath: info, withIntermediateDirectories: true)
            try AtomicFile.write(
                Array((listed + [objects]).joined(separator: "\n").utf8) + [0x0A], to: file, mode: 0o644)
            var odb: OpaquePointer?
            try Self.check(git_repository_odb(&odb, pointer), "cannot open the object database")
            defer { git_odb_free(odb) }
            try Self.check(git_odb_add_disk_alternate(odb, objects), "cannot read the objects of '\(path)'")
        }
        let name = "refs/heads/\(branch)"
        guard let head = try source.branchHead(branch) else { return [] }
        var id = try Self.oid(head)
        var reference: OpaquePointer?
        try Self.check(
            git_reference_create(&reference, pointer, name, &id, 1, "follow \(path)"), "cannot update '\(name)'")
        git_reference_free(reference)
        return [name]
    }

    /// The path of a repository on this machine that `url` names (`file://…` or an absolute path), or nil.
    public static func localPath(_ url: String) -> String? {
        if url.hasPrefix("file://") { return String(url.dropFirst(7)) }
        return url.hasPrefix("/") ? url : nil
    }
}

extension GitRepository {
    /// `url` without a password or token written into it (`https://user:TOKEN@host/…` →
    /// `https://user:***@host/…`, `https://TOKEN@host/…` → `https://***@host/…`), for messages that
    /// reach logs and status pages.
    public static func redacted(_ url: String) -> String {
        let characters = Array(url)
        guard let colon = characters.indices.first(where: { characters[$0...].starts(with: "://") }) else {
            return url
        }
        let start = colon + 3
        // The authority ends at the first '/', '?' or '#'; its userinfo at the last '@' in it
        // (a password may hold an '@').
        let end = characters[start...].firstIndex { "/?#".contains($0) } ?? characters.endIndex
        guard let at = characters[start..<end].lastIndex(of: "@") else { return url }
        // `user:password` keeps the user; a lone userinfo may itself be the token (`https://TOKEN@…`).
        let userinfo = characters[start..<at]
        let kept = userinfo.contains(":") ? String(userinfo.prefix { $0 != ":" }) + ":***" : "***"
        return String(characters[..<start]) + kept + String(characters[at...])
    }
}
