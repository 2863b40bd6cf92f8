import ArgumentParser
import Foundation
import PrimEngine
import PrimHost
import PrimModel
import PrimPlan
import PrimSystem

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Converge this host to the state: show the plan, confirm, apply in phases.",
        discussion:
            "Exit codes: 0 everything it could apply converged (a blocked prim is a warning), 1 error (nothing more was applied), 4 applied but a unit or a health gate failed."
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var flags: ApplyFlags

    func run() throws {
        try ApplyRun(options: options, flags: flags).run()
    }
}

/// The flags of a command that applies a state (`apply`, `rollback`), declared once.
struct ApplyFlags: ParsableArguments {
    @Flag(help: "Apply without asking (required when not on a terminal).")
    var yes = false

    @Option(help: "Give up after this many seconds if another apply holds the lock (default: wait).")
    var lockTimeout: Double?

    @Flag(help: "Allow removing more than max(3, 30 %) of the host's deployed prims in one apply.")
    var allowMassDelete = false

    @Flag(
        name: .customLong("allow-dns-deletes"),
        help: "Allow deleting more than max(3, 30 %) of a zone's prim-owned DNS records, or all of them.")
    var allowDNSDeletes = false

    @Flag(
        name: .customLong("adopt-dns"),
        help: "Take over DNS records prim did not create at the names it manages (as dns.adopt).")
    var adoptDNS = false

    @Flag(help: "Apply although primd follows a repository on this host and would undo it (see `primctl suspend`).")
    var force = false
}

/// One apply of a state, shared by `apply` and `rollback`.
struct ApplyRun {
    var options: GlobalOptions
    var yes: Bool
    var lockTimeout: Double?
    var allowMassDelete = false
    var allowDNSDeletes = false
    var adoptDNS = false
    /// Apply although primd follows a repository here (`PrimdFollows`).
    var force = false
    /// The state to apply when it is not the options' (a rollback's archive).
    var source: StateSource? = nil
    /// The generation a rollback returns to.
    var rollbackOf: Int? = nil

    init(options: GlobalOptions, flags: ApplyFlags, source: StateSource? = nil, rollbackOf: Int? = nil) {
        self.options = options
        yes = flags.yes
        lockTimeout = flags.lockTimeout
        allowMassDelete = flags.allowMassDelete
        allowDNSDeletes = flags.allowDNSDeletes
        adoptDNS = flags.adoptDNS
        force = flags.force
        self.source = source
        self.rollbackOf = rollbackOf
    }

    var overrides: Set<Override> {
        var overrides: Set<Override> = []
        if allowMassDelete { overrides.insert(Kinds.allowMassDelete) }
        if allowDNSDeletes { overrides.insert(Kinds.allowDNSDeletes) }
        return overrides
    }

    func run() throws {
        let output = options.output
        var loaded = try LoadedState.load(options, output: output, given: source)
        if adoptDNS { loaded.config.dnsAdopt = true }
        let config = loaded.config
        let progress = ApplyProgress(output: output)

        let lock: FileLock
        do {
            lock = try FileLock.acquire(
                config.paths.lock, holder: "pid \(getpid()) (primctl apply, since \(ApplyProgress.timestamp()))",
                timeout: lockTimeout
            ) { holder in progress.waiting(for: holder) }
        } catch {
            throw output.fail("locked", "\(error)")
        }
        defer { lock.release() }

        let session: HostSession
        var hostPlan: HostPlan
        let interrupted = ApplyJournal.interrupted(dataDir: config.dataDir)
        do {
            session = try HostSession(config: config, source: loaded.source.tree)
            hostPlan = try session.plan(loaded.result.state)
        } catch {
            throw output.fail("observe-failed", "\(error)")
        }
        if let interrupted {
            progress.event(
                .resuming(generation: interrupted.header.generation, unfinished: interrupted.unfinished.count))
            hostPlan.plan = Resume.adjust(hostPlan.plan, unfinished: interrupted.unfinished, kinds: Kinds.planners)
        }
        let conflict = PrimdFollows.conflict(config, loaded.source)
        if let conflict { hostPlan.plan.notes.append(conflict) }
        progress.plan(hostPlan.plan)
        guard hostPlan.plan.hasChanges || interrupted != nil else {
            progress.unchanged(blocked: hostPlan.plan.blocked)
            return
        }
        if let conflict, !force { throw output.fail("primd-follows", conflict) }
        if let refusal = try session.applier().refusal(hostPlan.plan, overrides: overrides) {
            throw output.fail(refusal.code, refusal.message)
        }
        try confirm(output)

        let generation: Generation
        do {
            // A directory's state is archived first, so that this generation can be applied again.
            var provenance = Generation.Provenance(
                subject: loaded.source.subject, archive: loaded.source.archive, rollbackOf: rollbackOf)
            if loaded.source.revision == nil, provenance.archive == nil {
                provenance.archive = try StateArchive(dataDir: config.dataDir)
                    .store(loaded.source.snapshot, releases: Array(hostPlan.releases.values), tree: loaded.source.tree)
            }
            generation = try session.applier().apply(
                hostPlan.plan, desired: hostPlan.desired, gates: hostPlan.gates,
                revision: loaded.source.revision, origin: loaded.source.origin,
                provenance: provenance, resuming: interrupted != nil, overrides: overrides,
                report: progress.event)
        } catch {
            throw output.fail("apply-failed", "\(error)")
        }
        progress.finish(generation, blocked: hostPlan.plan.blocked)
        if generation.outcome != .converged || generation.warnings != nil { throw ExitCode(4) }
    }

    func confirm(_ output: Output) throws {
        if yes { return }
        guard isatty(0) == 1 else {
            throw output.fail("confirmation-required", "apply needs --yes when standard input is not a terminal")
        }
        output.prompt(
            "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw output.fail("cancelled", "apply cancelled: the answer was not 'yes'; nothing was applied")
        }
        output.prompt("\n")
    }
}
