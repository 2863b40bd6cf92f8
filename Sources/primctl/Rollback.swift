import ArgumentParser
import PrimEngine
import PrimModel

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the state a recorded generation applied (default: the last good one before the latest).",
        discussion: """
            A generation applied from git is read from the repository it recorded (or --repo, or controller.repo) \
            at its revision; one applied from a directory is read from the archive the apply kept of that \
            directory's state and code. Either is applied like `apply`, and history marks it a rollback. With \
            primd following a repository, revert the commit instead (or `primctl suspend` first): primd converges \
            the host back to the branch.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Generation number (see `primctl history`).")
    var generation: Int?

    @OptionGroup var flags: ApplyFlags

    func run() throws {
        let (output, config) = try options.hostConfig()
        let generations = GenerationStore(dataDir: config.dataDir).all()
        let target: Generation
        if let number = generation {
            guard let found = generations.first(where: { $0.number == number }) else {
                throw output.fail("not-found", "no generation \(number); `primctl history` lists them")
            }
            target = found
        } else {
            let latest = generations.last.map(Self.identity)
            guard
                let found = generations.reversed().first(where: {
                    $0.outcome == .converged && $0.canBeReapplied && Self.identity($0) != latest
                })
            else {
                throw output.fail(
                    "not-found", "no earlier good generation that applied another state; `primctl history` lists them")
            }
            target = found
        }
        guard let revision = target.revision.map(Self.commit) else {
            guard let archive = target.archive else {
                throw output.fail(
                    "no-archive",
                    "generation \(target.number) was applied from a directory before applies kept their state, so it cannot be applied again; apply that directory again"
                )
            }
            let source: StateSource
            do {
                source = try StateSource.archived(archive, dataDir: config.dataDir, subject: target.subject)
            } catch {
                throw output.fail("archive-unreadable", "\(error)")
            }
            output.narrate(
                "Rolling back to generation \(target.number) (\(target.subject ?? "a directory"), archived).\n\n")
            try ApplyRun(options: options, flags: flags, source: source, rollbackOf: target.number).run()
            return
        }
        guard let repo = options.repo ?? target.origin?.repository ?? config.controller.repo else {
            throw output.fail(
                "no-repo",
                "pass --repo, or set controller.repo in the host config, to read generation \(target.number)'s revision"
            )
        }
        var options = self.options
        options.repo = repo
        options.rev = revision
        options.state = options.state ?? target.origin?.statePath ?? config.controller.statePath
        output.narrate("Rolling back to generation \(target.number) (revision \(revision.prefix(12))).\n\n")
        try ApplyRun(options: options, flags: flags, rollbackOf: target.number).run()
    }

    /// What a generation applied: its commit, or its archived state.
    static func identity(_ generation: Generation) -> String? {
        generation.revision.map(commit) ?? generation.archive
    }

    /// Records written before generations had a `note` carry it in the revision (`<sha> (rollback
    /// of x)`); the commit is the first word.
    static func commit(_ revision: String) -> String { String(revision.split(separator: " ").first ?? "") }
}
