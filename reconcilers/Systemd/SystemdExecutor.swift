import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Writes unit files and versions' files, and drives the manager over sd-bus: reload, start/stop.
public struct SystemdExecutor: UnitExecutor {
    public let manager: any UnitManager
    public let unitDir: String
    public let journalDir: String?
    let envDir: String
    let dataDir: String

    public init(config: HostConfig, bus: SystemdBus) {
        self.init(config: config, manager: bus)
    }

    public init(config: HostConfig, manager: any UnitManager) {
        self.manager = manager
        unitDir = config.unitDir
        journalDir = config.journalDir
        envDir = config.envDir
        dataDir = config.dataDir
    }

    /// 0600: only the manager (root) reads a prim's unit.
    public func write(_ path: String, content: String) throws {
        try AtomicFile.write(Array(content.utf8), to: path, mode: 0o600)
    }

    public func remove(_ path: String) throws {
        try AtomicFile.remove(path)
    }

    public func reload() throws {
        try manager.reload()
    }

    /// Links the unit into `<target>.wants/` for each `WantedBy=` (as `systemctl enable`), and unlinks stale ones.
    public func enable(unit: String, content: String) throws {
        let targets = Set(
            UnitComparison.parse(content)["Install.WantedBy", default: []].flatMap {
                $0.split(separator: " ").map(String.init)
            })
        for wants in wantsDirectories() where !targets.contains(String(wants.dropLast(6))) {
            try AtomicFile.remove("\(unitDir)/\(wants)/\(unit)")
        }
        for target in targets {
            try AtomicFile.symlink("\(unitDir)/\(unit)", at: "\(unitDir)/\(target).wants/\(unit)")
        }
    }

    /// Prepares one version of a prim to start: its env file (0600, read by the manager only) with
    /// the port it listens on, its link to its release, and its link in `multi-user.target.wants`
    /// (the template's `WantedBy=`), so the host starts the serving version at boot.
    public func prepare(instance: String, env: String, release: String?) throws {
        guard let prim = ResourceNames.prim(ofUnit: instance), let version = ResourceNames.version(ofUnit: instance)
        else { return }
        try AtomicFile.write(
            Array(env.utf8), to: "\(envDir)/\(ResourceNames.versionEnvFile(prim, version: version))", mode: 0o600)
        let link = HostPaths(dataDir: dataDir).version(ResourceNames.versionLink(prim, version: version))
        if let release { try AtomicFile.symlink(release, at: link) } else { try AtomicFile.remove(link) }
        try AtomicFile.symlink(
            "\(unitDir)/\(ResourceNames.unit(prim).name)", at: "\(unitDir)/multi-user.target.wants/\(instance)")
    }

    /// Removes what `prepare` made for a version that no longer runs.
    public func forget(instance: String) throws {
        guard let prim = ResourceNames.prim(ofUnit: instance), let version = ResourceNames.version(ofUnit: instance)
        else { return }
        try disable(unit: instance)
        try AtomicFile.remove("\(envDir)/\(ResourceNames.versionEnvFile(prim, version: version))")
        try AtomicFile.remove(HostPaths(dataDir: dataDir).version(ResourceNames.versionLink(prim, version: version)))
    }

    public func disable(unit: String) throws {
        for wants in wantsDirectories() {
            try AtomicFile.remove("\(unitDir)/\(wants)/\(unit)")
        }
    }

    func wantsDirectories() -> [String] {
        FileReader.names(in: unitDir, suffix: ".wants")
    }

    public func run(_ jobs: [UnitJob], timeout: Double) -> [String: String?] {
        var results: [String: String?] = [:]
        var pending: [String: String] = [:]
        for job in jobs {
            if job.verb != .stop { manager.resetFailed(unit: job.unit) }
            do {
                pending[job.unit] = try manager.queue(job.verb, unit: job.unit)
            } catch {
                // A unit the manager refused to load (a bad setting) or does not know is stopped already.
                let stopped = job.verb == .stop && ["inactive", "failed"].contains(activeState(unit: job.unit))
                results[job.unit] = stopped ? .some(nil) : "\(error)"
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while !pending.isEmpty {
            for (unit, path) in pending where !manager.jobPending(path) {
                pending[unit] = nil
                let verb = jobs.first { $0.unit == unit }!.verb
                let state = activeState(unit: unit)
                let expected = verb == .stop ? ["inactive", "failed"] : ["active", "reloading"]
                results[unit] = expected.contains(state) ? .some(nil) : "unit is \(state) after \(verb.rawValue)"
            }
            if pending.isEmpty { break }
            if Date() > deadline {
                for unit in pending.keys {
                    results[unit] =
                        "\(jobs.first { $0.unit == unit }!.verb.rawValue) did not finish within \(Int(timeout)) s"
                }
                break
            }
            usleep(20_000)
        }
        return results
    }

    public func activeState(unit: String) -> String {
        (try? manager.states(units: [unit])[unit]?.activeState) ?? "unknown"
    }

    /// The last lines of the unit's current run (none when the manager cannot say which run that is).
    public func journal(unit: String, lines: Int) -> [String] {
        guard let invocation = try? manager.identity(unit: unit).invocation, !invocation.isEmpty else { return [] }
        return JournalReader.lastLines(unit: unit, count: lines, directory: journalDir, invocation: invocation)
    }
}
