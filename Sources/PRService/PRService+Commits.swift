import Foundation
import PrimSystem

/// The repository side of a PR: its manifest read back, commits (signed when configured), branch names and main's head.
extension PRService {
    func manifest(of pr: PullRequest) throws -> Manifest {
        let files = try pr.paths.map { path in
            Manifest.File(
                path: path, content: String(decoding: try repository.file(path, at: pr.head) ?? [], as: UTF8.self))
        }
        return Manifest(title: pr.title, body: pr.body, files: files, labels: pr.labels)
    }

    func commit(
        _ manifest: Manifest, onto parent: String, message: String, wallet: String, at time: Date
    ) throws -> String {
        let files = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, Array($0.content.utf8)) })
        let signer = configuration.signer
        return try repository.commit(
            files: files, parent: parent, message: message,
            author: .init(name: wallet, email: "\(wallet)@wallet.prim.sh"),
            committer: configuration.committer, at: time,
            sign: signer.map { signer in { try signer.sign($0) } })
    }

    func commitMessage(_ manifest: Manifest, number: Int, wallet: String) -> String {
        var message = manifest.title + "\n"
        if !manifest.body.isEmpty { message += "\n" + manifest.body + "\n" }
        return message + "\nPR: #\(number)\nWallet: \(wallet)\n"
    }

    func commitMessage(of pr: PullRequest) -> String {
        commitMessage(Manifest(title: pr.title, body: pr.body, files: []), number: pr.number, wallet: pr.author)
    }

    /// `agent/<prim-id>-<UTC timestamp>`, with a counter when two land in the same second.
    func createBranch(prims: [String], at commit: String, time: Date) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        // A prim id from a package folder's name may hold what a ref name cannot (`..`, `@{`, `:`).
        let prim = String(
            (prims.first ?? "state").map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
        let stem = "agent/\(prim)-\(formatter.string(from: time))"
        for attempt in 1...100 {
            let name = attempt == 1 ? stem : "\(stem)-\(attempt)"
            do {
                try forge.createBranch(name, at: commit)
                return name
            } catch GitRepository.RefRefusal.exists {
                continue
            }
        }
        throw ServiceError(.internalError, "cannot find a free branch name near \(stem)")
    }

    func mainHead() throws -> String {
        guard let head = try repository.branchHead(configuration.branch) else {
            throw ServiceError(.internalError, "the repository has no branch '\(configuration.branch)'")
        }
        return head
    }
}
