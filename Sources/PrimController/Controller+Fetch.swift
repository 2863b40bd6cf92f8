import PrimEngine
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// The watched branch, fetched into primd's own bare mirror (or followed in place when local).
extension Controller {
    func mirror() throws -> GitRepository {
        guard let url = settings.repo else { throw SystemError("controller.repo is not set in the host config") }
        var token: String?
        if let file = settings.tokenFile {
            guard let text = try FileReader.secret(file) else {
                throw SystemError("controller.token_file '\(file)' does not exist")
            }
            token = text
        }
        if let file = settings.caFile {
            guard FileReader.exists(file) else {
                throw SystemError("controller.ca_file '\(file)' does not exist")
            }
            try GitRepository.trustCertificateAuthorities(inFile: file)
        }
        let repository = try self.repository ?? GitRepository.openOrCreateBare(config.paths.primdMirror)
        self.repository = repository
        // The watched branch only: other branches and tags are nothing primd applies.
        let branch = "refs/heads/\(settings.branch)"
        // A repository on this machine (pr.sh's local forge) is followed in place; others are fetched.
        let advertised =
            try GitRepository.localPath(url).map { try repository.follow(local: $0, branch: settings.branch) }
            ?? repository.fetch(url, token: token, specs: ["+\(branch):\(branch)"])
        guard advertised.contains(branch) else { throw BranchMissing(branch: settings.branch) }
        return repository
    }

    /// The operator suspended primd while an attempt waited for the apply lock.
    struct SuspendedMeanwhile: Error {}

    /// The repository no longer has the watched branch (deleted or renamed): nothing new is applied.
    struct BranchMissing: Error, CustomStringConvertible {
        var branch: String
        var description: String { "the repository has no branch '\(branch)' (deleted or renamed?)" }
    }
}
