import ArgumentParser
import PrimModel
import PrimPlan

/// The host config and a valid state, or the command's failure already reported.
struct LoadedState {
    var config: HostConfig
    var source: StateSource
    var result: LoadResult

    /// Reads config and state; invalid state prints its diagnostics and exits 1.
    /// `given`: a state already read (a rollback's archive) instead of the options' directory or repository.
    static func load(
        _ options: GlobalOptions, output: Output, needsConfig: Bool = true, given: StateSource? = nil
    ) throws -> LoadedState {
        let config: HostConfig
        let source: StateSource
        var found: HostConfig?
        do {
            // Validate does without a config, but uses its data dir for repository mirrors when there is one.
            found =
                needsConfig ? try HostConfigLoader.load(options.config) : try? HostConfigLoader.load(options.config)
            config = found ?? HostConfig()
            source = try given ?? StateSource.read(options, cacheRoot: HostConfigLoader.cacheRoot(found))
        } catch {
            throw output.fail("state-unreadable", "\(error)")
        }
        var result = StateLoader.load(source.snapshot)
        // The host config's certificates against the state, whenever there is a host config.
        if found != nil { result = result.checked(against: config) }
        if !result.isValid || !needsConfig {
            output.show(DiagnosticsView(result.diagnostics, root: source.label))
        }
        if !result.isValid { throw ExitCode(1) }
        return LoadedState(config: config, source: source, result: result)
    }
}
