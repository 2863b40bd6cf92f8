import ArgumentParser
import Hummingbird
import Logging
import PrimController
import PrimListener
import PrimModel
import PrimSystem
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

@main
struct Primd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primd",
        abstract: "The prim controller: watches a git branch and converges this host to each new commit.",
        version: PrimVersion.number)

    @Option(
        help:
            "Host config file (default: $PRIM_CONFIG, then /etc/prim/primd.yaml); its controller: block holds the settings below."
    )
    var config: String?
    @Option(help: "Repository to watch (path, file://, git://, http(s)://).") var repo: String?
    @Option(help: "Branch to follow.") var branch: String?
    @Option(help: "State folder inside the repository.") var statePath: String?
    @Option(help: "Seconds between fetches.") var pollInterval: Int?
    @Option(help: "host:port of the HTTP listener (/healthz, /status, /metrics, /hooks/git).") var listen: String?
    @Option(help: "File holding the webhook secret.") var webhookSecretFile: String?
    @Option(help: "Seconds between drift checks.") var driftInterval: Int?
    @Option(help: "repair or warn.") var driftMode: DriftMode?
    @Option(help: "Seconds between conformance checks of every running prim.") var conformanceInterval: Int?
    @Option(help: "File holding a token for an http(s) repository.") var tokenFile: String?
    @Option(help: "PEM file of the certificate authorities an https repository's certificate must chain to.")
    var caFile: String?
    @Flag(help: "Let a commit remove more than max(3, 30 %) of the host's deployed prims.") var allowMassDelete = false

    func run() async throws {
        let path = config ?? ProcessInfo.processInfo.environment["PRIM_CONFIG"] ?? "/etc/prim/primd.yaml"
        guard let bytes = try FileReader.bytes(path) else {
            throw ValidationError("host config '\(path)' does not exist")
        }
        var (hostConfig, diagnostics) = HostConfig.parse(bytes, file: path)
        if let error = diagnostics.first(where: { $0.severity == .error }) { throw ValidationError(error.formatted()) }
        var settings = hostConfig.controller
        settings.repo = repo ?? settings.repo
        settings.branch = branch ?? settings.branch
        settings.statePath = statePath ?? settings.statePath
        settings.pollSeconds = pollInterval.map(Double.init) ?? settings.pollSeconds
        settings.listen = listen ?? settings.listen
        settings.webhookSecretFile = webhookSecretFile ?? settings.webhookSecretFile
        settings.driftSeconds = driftInterval.map(Double.init) ?? settings.driftSeconds
        settings.driftMode = driftMode ?? settings.driftMode
        settings.conformanceSeconds = conformanceInterval.map { Double(max(1, $0)) } ?? settings.conformanceSeconds
        settings.tokenFile = tokenFile ?? settings.tokenFile
        settings.caFile = caFile ?? settings.caFile
        settings.allowMassDelete = allowMassDelete || settings.allowMassDelete
        hostConfig.controller = settings

        let logger = Logger(label: "primd")
        let controller = Controller(config: hostConfig) { line in JournalLog.send(line) }
        let trigger = Trigger()
        var secret: [UInt8]?
        if let file = settings.webhookSecretFile {
            guard let text = try FileReader.secret(file) else {
                throw ValidationError("webhook secret file '\(file)' does not exist")
            }
            secret = Array(text.utf8)
        }
        guard let address = HostPort(settings.listen) else {
            throw ValidationError("listen must be host:port, got '\(settings.listen)'")
        }
        let app = Application(
            router: HTTPRoutes.router(controller: controller, trigger: trigger, secret: secret),
            server: ListenerLimits().server(),
            configuration: .init(address: .hostname(address.host, port: Int(address.port)), serverName: "primd"),
            logger: logger)
        // A fresh install names no repository yet: primd serves its status, which says what to
        // set, and reconciles nothing (rather than failing and being restarted by systemd).
        if settings.repo == nil {
            let message = "no repository to watch: set controller.repo in \(path), then systemctl restart primd"
            controller.notConfigured(message)
            logger.warning("\(message)")
        }
        if let warning = ListenerMigration.warning() { logger.warning("\(warning)") }
        let group = ServiceGroup(
            services: [ReconcileLoop(controller: controller, trigger: trigger), app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()
    }
}

extension DriftMode: ExpressibleByArgument {}
