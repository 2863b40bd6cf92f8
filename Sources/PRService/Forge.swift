import Foundation
import PrimSystem

/// Where pr.sh's branches, main and pull requests live. The PR records in the data dir stay
/// the source of truth for checks, approvals and flood control; a forge mirrors them.
public protocol Forge: AnyObject {
    /// Where commits are built and trees read.
    var repository: GitRepository { get }
    /// Brings `repository` up to date with the forge.
    func sync() throws
    /// Publishes a new branch at a commit; never moves an existing one.
    func createBranch(_ name: String, at commit: String) throws
    /// Moves `branch` from `old` to `new`, a fast-forward only; throws `RefRefusal.moved` when it moved.
    func fastForward(_ branch: String, from old: String, to new: String) throws
    /// Mirrors a PR on the forge after it changed (`previous` is the record before), setting
    /// `pr.forge` as soon as the forge has the PR.
    func publish(_ pr: inout PullRequest, previous: PullRequest?) throws
}

/// A PR's number and address on a forge.
public struct ForgeLink: Sendable, Codable, Equatable {
    public var number: Int
    public var url: String
}

/// The default forge: a bare repository on this machine, which pr.sh owns and primd watches.
public final class LocalForge: Forge {
    public let repository: GitRepository

    public init(path: String) throws {
        repository = try GitRepository.open(path)
    }

    public func sync() throws {}

    public func createBranch(_ name: String, at commit: String) throws {
        try repository.createBranch(name, at: commit, message: "pr.sh: open")
    }

    public func fastForward(_ branch: String, from old: String, to new: String) throws {
        try repository.fastForward(branch, from: old, to: new, message: "pr.sh: merge")
    }

    public func publish(_ pr: inout PullRequest, previous: PullRequest?) throws {}
}
