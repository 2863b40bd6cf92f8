import CLibGit2

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Writing to a repository: commits built in memory from a parent tree plus
/// changed files, and reference updates that never rewrite history.
extension GitRepository {
    public struct Person: Sendable {
        public var name: String
        public var email: String

        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    /// Why a reference update was refused.
    public enum RefRefusal: Error, Equatable, CustomStringConvertible {
        /// The reference moved since it was read (`expected`), so the update would lose work.
        case moved(ref: String, expected: String, actual: String?)
        /// The new commit does not descend from the old one: a fast-forward is impossible.
        case notFastForward(ref: String)
        /// A reference that must be new already exists.
        case exists(ref: String)
        /// A remote refused to update a reference (`reason` as the remote said it).
        case rejected(ref: String, reason: String)

        public var description: String {
            switch self {
            case .moved(let ref, let expected, let actual):
                return
                    "\(ref) moved from \(expected.prefix(12)) to \(actual.map { String($0.prefix(12)) } ?? "nothing") while this update was prepared"
            case .notFastForward(let ref):
                return "\(ref) cannot be fast-forwarded to a commit that does not descend from it"
            case .exists(let ref): return "\(ref) already exists"
            case .rejected(let ref, let reason): return "the remote refused to update \(ref): \(reason)"
            }
        }
    }

    /// The bytes of the file at `path` in a revision's tree, or nil if there is none.
    public func file(_ path: String, at revision: String) throws -> [UInt8]? {
        try withEntry(path, at: revision) { entry in
            guard let entry, git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            return try Self.blob(pointer, git_tree_entry_id(entry))
        }
    }

    /// Calls `body` with the tree entry at `path` of a revision (nil when there is none).
    func withEntry<T>(_ path: String, at revision: String, _ body: (OpaquePointer?) throws -> T) throws -> T {
        try withTree(revision) { _, tree in
            var entry: OpaquePointer?
            let code = git_tree_entry_bypath(&entry, tree, path)
            if code == GIT_ENOTFOUND.rawValue { return try body(nil) }
            try Self.check(code, "cannot read '\(path)'")
            defer { git_tree_entry_free(entry) }
            return try body(entry)
        }
    }

    /// The commit id a branch points at, or nil when the branch does not exist.
    public func branchHead(_ branch: String) throws -> String? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, "refs/heads/\(branch)")
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(code, "cannot read branch '\(branch)'")
        return Self.hex(oid)
    }

    /// Writes a commit whose tree is `parent`'s with `files` (repository paths → bytes) added or
    /// replaced. No reference moves. `sign` receives the commit's bytes and returns an armored signature.
    public func commit(
        files: [String: [UInt8]], parent: String, message: String, author: Person, committer: Person,
        at time: Date = Date(), sign: (([UInt8]) throws -> String)? = nil
    ) throws -> String {
        try withTree(parent) { parentCommit, parentTree in
            var treeID = try tree(parentTree, adding: files)
            var tree: OpaquePointer?
            try Self.check(git_tree_lookup(&tree, pointer, &treeID), "cannot read the new tree")
            defer { git_tree_free(tree) }

            let seconds = git_time_t(time.timeIntervalSince1970)
            var authorSignature: UnsafeMutablePointer<git_signature>?,
                committerSignature: UnsafeMutablePointer<git_signature>?
            try Self.check(git_signature_new(&authorSignature, author.name, author.email, seconds, 0), "invalid author")
            defer { git_signature_free(authorSignature) }
            try Self.check(
                git_signature_new(&committerSignature, committer.name, committer.email, seconds, 0), "invalid committer"
            )
            defer { git_signature_free(committerSignature) }

            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            var parents: [OpaquePointer?] = [parentCommit]
            try parents.withUnsafeMutableBufferPointer { list in
                try Self.check(
                    git_commit_create_buffer(
                        &buffer, pointer, authorSignature, committerSignature, nil, message, tree, 1, list.baseAddress),
                    "cannot create the commit")
            }
            let content = String(cString: buffer.ptr)
            let signature = try sign?(Array(content.utf8))
            var id = git_oid()
            try Self.check(
                git_commit_create_with_signature(&id, pointer, content, signature, signature == nil ? nil : "gpgsig"),
                "cannot write the commit")
            return Self.hex(id)
        }
    }

    /// Writes `base` with `files` (repository paths → bytes) added or replaced, through an
    /// in-memory index; returns the new tree's id.
    func tree(_ base: OpaquePointer, adding files: [String: [UInt8]]) throws -> git_oid {
        var index: OpaquePointer?
        try Self.check(git_index_new(&index), "cannot create an index")
        defer { git_index_free(index) }
        try Self.check(git_index_read_tree(index, base), "cannot read the parent tree")
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            var blob = git_oid()
            try bytes.withUnsafeBytes { raw in
                try Self.check(
                    git_blob_create_from_buffer(&blob, pointer, raw.baseAddress, raw.count), "cannot store '\(path)'")
            }
            var entry = git_index_entry()
            entry.mode = UInt32(GIT_FILEMODE_BLOB.rawValue)
            entry.id = blob
            try path.withCString { name in
                entry.path = name
                try Self.check(git_index_add(index, &entry), "cannot add '\(path)'")
            }
        }
        var id = git_oid()
        try Self.check(git_index_write_tree_to(&id, index, pointer), "cannot write the tree")
        return id
    }

    /// Whether `descendant` is `ancestor` or has it in its history.
    public func isAncestor(_ ancestor: String, of descendant: String) throws -> Bool {
        if ancestor == descendant { return true }
        var a = try Self.oid(ancestor), d = try Self.oid(descendant)
        let code = git_graph_descendant_of(pointer, &d, &a)
        try Self.check(code, "cannot compare \(ancestor.prefix(12)) and \(descendant.prefix(12))")
        return code == 1
    }

    /// Creates a branch that must not exist yet.
    public func createBranch(_ branch: String, at commit: String, message: String) throws {
        let name = "refs/heads/\(branch)"
        var id = try Self.oid(commit)
        var ref: OpaquePointer?
        let code = git_reference_create(&ref, pointer, name, &id, 0, message)
        if code == GIT_EEXISTS.rawValue { throw RefRefusal.exists(ref: name) }
        try Self.check(code, "cannot create \(name)")
        git_reference_free(ref)
    }

    /// Moves a branch from `expected` to `commit`, only if it still points at `expected`
    /// and `commit` descends from it: a fast-forward, never a rewrite.
    public func fastForward(_ branch: String, from expected: String, to commit: String, message: String) throws {
        let name = "refs/heads/\(branch)"
        guard try isAncestor(expected, of: commit) else { throw RefRefusal.notFastForward(ref: name) }
        var id = try Self.oid(commit), old = try Self.oid(expected)
        var ref: OpaquePointer?
        let code = git_reference_create_matching(&ref, pointer, name, &id, 1, &old, message)
        if code == GIT_EMODIFIED.rawValue || code == GIT_ENOTFOUND.rawValue {
            throw RefRefusal.moved(ref: name, expected: expected, actual: try branchHead(branch))
        }
        try Self.check(code, "cannot update \(name)")
        git_reference_free(ref)
    }

    /// Every reference and the commit it names (for checks that nothing moved).
    public func references() throws -> [String: String] {
        var iterator: OpaquePointer?
        try Self.check(git_reference_iterator_new(&iterator, pointer), "cannot list references")
        defer { git_reference_iterator_free(iterator) }
        var result: [String: String] = [:]
        var ref: OpaquePointer?
        while git_reference_next(&ref, iterator) == 0 {
            defer { git_reference_free(ref) }
            let name = String(cString: git_reference_name(ref))
            if let target = git_reference_target(ref) { result[name] = Self.hex(target.pointee) }
        }
        return result
    }

    static func hex(_ oid: git_oid) -> String {
        var copy = oid
        return String(cString: git_oid_tostr_s(&copy))
    }

    static func oid(_ hex: String) throws -> git_oid {
        var oid = git_oid()
        try check(git_oid_fromstr(&oid, hex), "'\(hex)' is not a commit id")
        return oid
    }
}

extension GitRepository {
    public enum EntryKind: Sendable { case file, directory, symlink, submodule }

    /// The names a revision's folder holds (empty path: the root), or nil when it is no folder.
    public func entryNames(inFolder path: String, at revision: String) throws -> [String]? {
        try withTree(revision) { _, root in
            func names(_ tree: OpaquePointer?) -> [String] {
                (0..<git_tree_entrycount(tree)).compactMap { index in
                    git_tree_entry_name(git_tree_entry_byindex(tree, index)).map { String(cString: $0) }
                }
            }
            guard !path.isEmpty else { return names(root) }
            var entry: OpaquePointer?
            let code = git_tree_entry_bypath(&entry, root, path)
            if code == GIT_ENOTFOUND.rawValue { return nil }
            try Self.check(code, "cannot read '\(path)'")
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE else { return nil }
            var tree: OpaquePointer?
            try Self.check(
                git_tree_lookup(&tree, pointer, git_tree_entry_id(entry)), "cannot read the folder '\(path)'")
            defer { git_tree_free(tree) }
            return names(tree)
        }
    }

    /// What a revision's tree holds at `path`, or nil for nothing.
    public func entryKind(_ path: String, at revision: String) throws -> EntryKind? {
        try withEntry(path, at: revision) { entry in
            guard let entry else { return nil }
            switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_TREE: return .directory
            case GIT_FILEMODE_LINK: return .symlink
            case GIT_FILEMODE_COMMIT: return .submodule
            default: return .file
            }
        }
    }
}
