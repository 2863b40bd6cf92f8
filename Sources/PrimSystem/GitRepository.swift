import CLibGit2
import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// A git repository opened with libgit2. State is read from commit trees;
/// nothing is checked out.
public final class GitRepository {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { git_repository_free(pointer) }

    static let initialized: Bool = {
        git_libgit2_init()
        prim_git_disable_owner_validation()
        return true
    }()

    static func check(_ code: Int32, _ action: String, class errorClass: SystemError.Class = .stalled) throws {
        guard code < 0 else { return }
        let detail = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(code)"
        throw SystemError("\(action): \(detail)", class: errorClass)
    }

    /// Opens a repository at a path (a work tree or a bare repository).
    public static func open(_ path: String) throws -> GitRepository {
        _ = initialized
        var repo: OpaquePointer?
        try check(git_repository_open_ext(&repo, path, 0, nil), "cannot open git repository '\(path)'")
        return GitRepository(repo!)
    }

    /// Mirrors a remote repository's branches and tags into a bare cache and opens it.
    /// Works for file://, git://, http(s):// and plain paths.
    public static func mirror(_ url: String, into cache: String) throws -> GitRepository {
        let repository = try openOrCreateBare(cache)
        try repository.fetch(url)
        return repository
    }

    /// Fetches every branch and tag of `url` into this repository's own refs.
    public func fetch(_ url: String) throws {
        try fetch(url, token: nil, specs: ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"])
    }

    /// The full commit id a revision (branch, tag, sha, `HEAD~1`…) names.
    public func resolve(_ revision: String) throws -> String {
        let commit = try self.commit(revision)
        defer { git_commit_free(commit) }
        return String(cString: git_oid_tostr_s(git_commit_id(commit)))
    }

    /// The first line of a commit's message.
    public func subject(_ revision: String) throws -> String {
        let commit = try self.commit(revision)
        defer { git_commit_free(commit) }
        return git_commit_summary(commit).map { String(cString: $0) } ?? ""
    }

    func commit(_ revision: String) throws -> OpaquePointer {
        var object: OpaquePointer?
        try Self.check(git_revparse_single(&object, pointer, revision), "cannot find revision '\(revision)'")
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        try Self.check(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "revision '\(revision)' is not a commit")
        return peeled!
    }

    /// The bytes of a blob.
    /// A blob's size, read from the object's header without inflating it.
    static func blobSize(_ repository: OpaquePointer, _ id: UnsafePointer<git_oid>) throws -> Int {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repository), "cannot open the object database")
        defer { git_odb_free(odb) }
        var size = 0
        var type = GIT_OBJECT_ANY
        try check(git_odb_read_header(&size, &type, odb, id), "cannot read a blob's size")
        return size
    }

    static func blob(_ repository: OpaquePointer, _ id: UnsafePointer<git_oid>) throws -> [UInt8] {
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, repository, id), "cannot read a blob")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// Reads the state tree at `subpath` of a revision's tree into a snapshot.
    public func snapshot(revision: String, subpath: String = "") throws -> (StateSnapshot, commit: String) {
        try withTree(revision) { commit, root in
            let id = String(cString: git_oid_tostr_s(git_commit_id(commit)))
            let base = subpath.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
            return (try TreeReader(repository: pointer, root: root, base: base).snapshot(), id)
        }
    }

    /// Calls `body` with a revision's commit and its tree, freed afterwards.
    func withTree<T>(_ revision: String, _ body: (OpaquePointer, OpaquePointer) throws -> T) throws -> T {
        let commit = try self.commit(revision)
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        try Self.check(git_commit_tree(&tree, commit), "cannot read the tree of \(revision)")
        defer { git_tree_free(tree) }
        return try body(commit, tree!)
    }
}

/// Walks the parts of a commit tree the loader reads.
struct TreeReader {
    let repository: OpaquePointer
    let root: OpaquePointer
    let base: String

    func snapshot() throws -> StateSnapshot {
        var snapshot = StateSnapshot()
        let candidates = try StateLayout.candidates(names: names(in:))
        if !base.isEmpty, try entry(at: base) == nil {
            throw SystemError(
                "path '\(base)' does not exist in the commit; pass the state folder inside the repository with --state")
        }
        for path in candidates where StateLayout.isStatePath(path) {
            if let entry = try fileEntry(path) { snapshot.entries[path] = entry }
        }
        return snapshot
    }

    func full(_ path: String) -> String { base.isEmpty ? path : "\(base)/\(path)" }

    /// The tree entry at a path of the commit, or nil.
    func entry(at path: String) throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, root, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitRepository.check(code, "cannot read '\(path)'")
        return entry
    }

    func names(in folder: String) throws -> [String] {
        guard let entry = try entry(at: full(folder)) else { return [] }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return [] }
        var tree: OpaquePointer?
        try GitRepository.check(git_tree_lookup(&tree, repository, git_tree_entry_id(entry)), "cannot read '\(folder)'")
        defer { git_tree_free(tree) }
        return (0..<git_tree_entrycount(tree)).map {
            String(cString: git_tree_entry_name(git_tree_entry_byindex(tree, $0)))
        }
    }

    func fileEntry(_ path: String, depth: Int = 0) throws -> StateSnapshot.Entry? {
        guard let entry = try entry(at: full(path)) else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
        // A state file over its limit is refused by its size alone, never read.
        let size = try GitRepository.blobSize(repository, git_tree_entry_id(entry))
        if size > StateSnapshot.maxFileSize && git_tree_entry_filemode(entry) != GIT_FILEMODE_LINK {
            return .tooLarge(size: size)
        }
        let bytes = try blob(git_tree_entry_id(entry))
        guard git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK else {
            return bytes.count > StateSnapshot.maxFileSize ? .tooLarge(size: bytes.count) : .file(bytes)
        }
        let target = String(decoding: bytes, as: UTF8.self)
        guard let resolved = Self.resolve(link: target, at: path), depth < 8 else {
            return .escapingSymlink(target: target)
        }
        return try fileEntry(resolved, depth: depth + 1)
    }

    func blob(_ id: UnsafePointer<git_oid>) throws -> [UInt8] {
        try GitRepository.blob(repository, id)
    }

    /// A link target made relative to the state root, or nil if it leaves the root.
    static func resolve(link target: String, at path: String) -> String? {
        if target.hasPrefix("/") { return nil }
        var parts = path.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/") {
            if part == ".." {
                if parts.popLast() == nil { return nil }
            } else if part != "." {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }
}

/// A commit's tree, as the source of prims' code.
public struct GitSourceTree: SourceTree {
    let repository: GitRepository
    public let commit: String
    let base: String

    public init(repository: GitRepository, commit: String, subpath: String) {
        self.repository = repository
        self.commit = commit
        base = subpath.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    public func files(under path: String) throws -> [String: SourceFile] {
        var result: [String: SourceFile] = [:]
        try forEachFile(under: path) { result[$0] = $1 }
        return result
    }

    public func forEachFile(under path: String, _ body: (String, SourceFile) throws -> Void) throws {
        try repository.withEntry(base.isEmpty ? path : "\(base)/\(path)", at: commit) { entry in
            if let entry { try visit(entry, path: path, body) }
        }
    }

    /// Reads one blob at a time, each only after its header says it is within `SourceFile.maxBytes`.
    private func visit(_ entry: OpaquePointer, path: String, _ body: (String, SourceFile) throws -> Void) throws {
        let mode = git_tree_entry_filemode(entry)
        if git_tree_entry_type(entry) == GIT_OBJECT_TREE {
            var tree: OpaquePointer?
            try GitRepository.check(
                git_tree_lookup(&tree, repository.pointer, git_tree_entry_id(entry)), "cannot read '\(path)'")
            defer { git_tree_free(tree) }
            for index in 0..<git_tree_entrycount(tree) {
                let child = git_tree_entry_byindex(tree, index)!
                try visit(child, path: "\(path)/\(String(cString: git_tree_entry_name(child)))", body)
            }
        } else if mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE {
            let size = try GitRepository.blobSize(repository.pointer, git_tree_entry_id(entry))
            guard size <= SourceFile.maxBytes else { throw SourceFile.tooLarge(path, size: size) }
            try body(
                path,
                SourceFile(
                    bytes: try GitRepository.blob(repository.pointer, git_tree_entry_id(entry)),
                    executable: mode == GIT_FILEMODE_BLOB_EXECUTABLE))
        }
    }
}

extension GitRepository {
    /// A commit's signature (the `gpgsig` header) and the bytes it signs; nil when the commit is unsigned.
    public func signature(of revision: String) throws -> (signature: String, signedData: [UInt8])? {
        let commit = try self.commit(revision)
        defer { git_commit_free(commit) }
        var signature = git_buf(), data = git_buf()
        defer { git_buf_dispose(&signature); git_buf_dispose(&data) }
        var id = git_commit_id(commit).pointee
        let code = git_commit_extract_signature(&signature, &data, pointer, &id, nil)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(code, "cannot read the signature of \(revision)")
        let text = String(cString: signature.ptr)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: data.ptr, count: data.size))
        return (text, bytes)
    }
}
