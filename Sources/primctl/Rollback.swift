import ArgumentParser
import PrimEngine
import PrimModel

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the revision a recorded generation applied (default: the last good one before the latest).",
        discussion: """
            Reads the state from the repository the generation recorded (or --repo, or controller.repo) at that \
            generation's revision, and applies it like `apply`. With primd running, revert the commit instead: \
            primd converges the host back to the branch.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Generation number (see `primctl history`).")
    var generation: Int?

    @Flag(help: "Apply without asking (required when not on a terminal).")
    var yes = false

    @Option(help: "Give up after this many seconds if another apply holds the lock.")
    var lockTimeout: Double?

    @Flag(help: "Allow removing more than max(3, 30 %) of the host's deployed prims in one apply.")
    var allowMassDelete = false

    @Flag(name: .customLong("allow-dns-deletes"), help: "Allow deleting more than max(3, 30 %) of a zone's prim-owned DNS records, or all of them.")
    var allowDNSDeletes = false

    @Flag(name: .customLong("adopt-dns"), help: "Take over DNS records prim did not create at the names it manages (as dns.adopt).")
    var adoptDNS = false

    func run() throws {
        let output = Output(format: options.format)
        let config = try HostConfigLoader.load(options, output)
        let generations = GenerationStore(dataDir: config.dataDir).all()
        let target: Generation
        if let number = generation {
            guard let found = generations.first(where: { $0.number == number }) else {
                throw output.fail("not-found", "no generation \(number); `primctl history` lists them")
            }
            target = found
        } else {
            let latest = generations.last?.revision.map(Self.commit)
            guard let found = generations.reversed().first(where: { $0.outcome == .converged && $0.revision.map(Self.commit) != latest && $0.revision != nil }) else {
                throw output.fail("not-found", "no earlier good generation with a git revision to roll back to; `primctl history` lists them")
            }
            target = found
        }
        guard let revision = target.revision.map(Self.commit) else {
            throw output.fail("no-revision", "generation \(target.number) was applied from a directory, not a commit; apply that directory again")
        }
        guard let repo = options.repo ?? target.origin?.repository ?? config.controller.repo else {
            throw output.fail("no-repo", "pass --repo, or set controller.repo in the host config, to read generation \(target.number)'s revision")
        }
        var options = self.options
        options.repo = repo
        options.rev = revision
        options.state = options.state ?? target.origin?.statePath ?? config.controller.statePath
        if options.format == .human { output.print("Rolling back to generation \(target.number) (revision \(revision.prefix(12))).\n\n") }
        try ApplyRun(options: options, yes: yes, lockTimeout: lockTimeout, allowMassDelete: allowMassDelete,
                     allowDNSDeletes: allowDNSDeletes, adoptDNS: adoptDNS).run()
    }

    /// A generation's revision may carry a note (`<sha> (rollback of x)`); the commit is the first word.
    static func commit(_ revision: String) -> String { String(revision.split(separator: " ").first ?? "") }
}
