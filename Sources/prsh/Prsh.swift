import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PRService
import PrimHost
import PrimListener
import PrimModel
import PrimSigning
import PrimSystem
import PrimX402
import ServiceLifecycle

@main
struct Prsh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prsh",
        abstract:
            "pr.sh: agents send a file manifest; pr.sh opens a checked pull request and merges it when policy allows.",
        version: PrimVersion.number)

    @Option(help: "local (default) or github.") var forge = "local"
    @Option(help: "The bare repository pr.sh owns (the local forge); primd watches the same one.") var repo: String?
    @Option(help: "GitHub forge: the REST API base.") var githubAPI = "https://api.github.com"
    @Option(help: "GitHub forge: owner/name of the repository.") var githubRepo: String?
    @Option(help: "GitHub forge: the git URL (default https://github.com/<owner/name>.git).") var githubGitURL: String?
    @Option(help: "GitHub forge: file holding a token with contents, pull-requests and statuses write access.")
    var githubTokenFile: String?
    @Option(
        help:
            "GitHub forge: PEM file of the authorities the API's and git server's certificates must chain to (default: the system's)."
    ) var githubCaFile: String?
    @Option(help: "The branch changes merge into.") var branch = "main"
    @Option(help: "The state root inside the repository (empty for the root).") var statePath = "state"
    @Option(help: "Where PR records and flood-control counters live.") var dataDir = "/var/lib/prsh"
    @Option(
        help:
            "host:port to listen on (default: the control address, which prims cannot reach; publish it through Caddy)."
    ) var listen = "127.0.0.2:7300"
    @Option(help: "Base of PR URLs (default: http://<listen>).") var publicURL: String?
    @Option(help: "File holding the operator's bearer token (needed to approve).") var operatorTokenFile: String?
    @Option(help: "Unencrypted OpenSSH ed25519 private key that signs every commit pr.sh makes.") var signingKey:
        String?
    @Option(help: "URL told of each merge as a GitHub push event (primd's /hooks/git).") var notifyURL: String?
    @Option(help: "File holding the secret that signs notifications (X-Hub-Signature-256).") var notifySecretFile:
        String?
    @Option(help: "Seconds between re-checks of open PRs against main (and of pending checks, like promotion).")
    var recheckInterval = 30
    @Option(
        help:
            "primd's HTTP API (like http://127.0.0.2:8470): the promotion check and deployment following read its /status."
    ) var primdURL: String?
    @Option(help: "Seconds between reads of primd's status while a merged PR's deployment is not final.")
    var followInterval = 5
    @Option(
        help:
            "on (default): every change is paid with x402 and its payer is the caller. off: the caller is whatever the X-Wallet header says, unauthenticated; only for a single-user machine."
    ) var payments = "on"
    @Option(help: "Payments: the address paid (payTo).") var payTo: String?
    @Option(help: "Payments: the network, CAIP-2 (eip155:8453 is Base, eip155:84532 Base Sepolia).") var network =
        "eip155:8453"
    @Option(help: "Payments: the x402 facilitator's URL, which settles payments.") var facilitator: String?
    @Option(help: "Payments: seconds to wait for the facilitator's settle.") var facilitatorTimeout = 15.0
    @Option(
        help:
            "Payments: an Ethereum JSON-RPC URL of the network, asked whether a payment whose settle gave no answer paid pr.sh (without it such a payment stays pending)."
    ) var chainRpc: String?
    @Option(help: "Payments: the longest an authorization may be valid, in seconds (maxTimeoutSeconds).")
    var paymentTimeout = 300
    @Option(help: "Most files in one manifest.") var maxFiles = 50
    @Option(help: "Largest file in a manifest, in bytes.") var maxFileBytes = 256 * 1024
    @Option(help: "Largest manifest, in bytes of file content.") var maxTotalBytes = 1024 * 1024

    func run() async throws {
        let lock = try FileLock.acquire(PrshPaths(dataDir: dataDir).lock, holder: "prsh pid \(getpid())", timeout: 0) {
            _ in
        }
        defer { lock.release() }
        guard let address = HostPort(listen) else { throw ValidationError("listen must be host:port, got '\(listen)'") }

        var settings = PRService.Configuration(repository: repo ?? "", dataDir: dataDir, kinds: Kinds.registry)
        settings.branch = branch
        settings.statePath = statePath.split(separator: "/").joined(separator: "/")
        settings.publicURL = publicURL ?? "http://\(listen)"
        settings.limits.maxFiles = maxFiles
        settings.limits.maxFileBytes = maxFileBytes
        settings.limits.maxTotalBytes = maxTotalBytes
        if let primdURL {
            guard primdURL.hasPrefix("http://") || primdURL.hasPrefix("https://") else {
                throw ValidationError("--primd-url must be primd's http(s) URL, like http://127.0.0.2:8470")
            }
            settings.primd = PrimdClient(url: primdURL)
        }
        if let signingKey {
            guard let bytes = try FileReader.bytes(signingKey) else {
                throw ValidationError("signing key '\(signingKey)' does not exist")
            }
            settings.signer = try SSHSigner(openSSHPrivateKey: String(decoding: bytes, as: UTF8.self))
        }
        let notifier = try Notifier(url: notifyURL, secretFile: notifySecretFile, branch: branch)
        let service = try PRService(settings, forge: try makeForge(), onMerge: { commit in notifier.merged(commit) })
        let token = try operatorTokenFile.map { file -> [UInt8] in
            guard let token = try FileReader.secret(file) else {
                throw ValidationError("operator token file '\(file)' does not exist")
            }
            return Array(token.utf8)
        }
        let routes = Routes(
            service: service, payments: try makePayments(), publicURL: settings.publicURL, operatorToken: token,
            statePath: settings.statePath, maxBody: 4 * maxTotalBytes + 64 * 1024)
        let logger = Logger(label: "prsh")
        let app = Application(
            router: routes.router(), server: ListenerLimits().server(),
            configuration: .init(address: .hostname(address.host, port: Int(address.port)), serverName: "pr.sh"),
            logger: logger)
        let group = ServiceGroup(
            services: [
                app, Maintenance(service: service, interval: recheckInterval, logger: logger),
                DeploymentFollower(service: service, interval: followInterval, logger: logger),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

extension Prsh {
    func makePayments() throws -> Routes.Payments {
        switch payments {
        case "off":
            return .off
        case "on":
            guard let text = payTo, let address = Address(text) else {
                throw ValidationError(
                    "payments are on: --pay-to must be the address pr.sh is paid to (0x and 40 hex digits), or run with --payments off on a single-user machine"
                )
            }
            guard let chain = Network.named(network) else {
                throw ValidationError(
                    "--network must be one of \(Network.known.map(\.id).joined(separator: ", ")), got '\(network)'")
            }
            guard let facilitator, facilitator.hasPrefix("http://") || facilitator.hasPrefix("https://") else {
                throw ValidationError("payments are on: --facilitator must be the x402 facilitator's http(s) URL")
            }
            guard (30...3600).contains(paymentTimeout) else {
                throw ValidationError("--payment-timeout must be 30 to 3600 seconds")
            }
            var settings = PaymentDesk.Settings(network: chain, payTo: address)
            settings.maxTimeoutSeconds = paymentTimeout
            if let chainRpc, !(chainRpc.hasPrefix("http://") || chainRpc.hasPrefix("https://")) {
                throw ValidationError("--chain-rpc must be an http(s) URL of the network's JSON-RPC endpoint")
            }
            return .on(
                try PaymentDesk(
                    settings, facilitator: HTTPFacilitator(url: facilitator, timeout: facilitatorTimeout),
                    lookup: chainRpc.map { ChainRPCLookup(url: $0) }, journal: PrshPaths(dataDir: dataDir).payments))
        default:
            throw ValidationError("--payments must be on or off, got '\(payments)'")
        }
    }

    func makeForge() throws -> Forge {
        switch forge {
        case "local":
            guard let repo else {
                throw ValidationError("the local forge needs --repo: the bare repository pr.sh owns")
            }
            return try LocalForge(path: repo)
        case "github":
            guard let slug = githubRepo, slug.split(separator: "/").count == 2 else {
                throw ValidationError("the github forge needs --github-repo owner/name")
            }
            guard let file = githubTokenFile, let token = try FileReader.secret(file) else {
                throw ValidationError("the github forge needs --github-token-file with a token in it")
            }
            let settings = GitHubForge.Settings(
                api: githubAPI, slug: slug, gitURL: githubGitURL ?? "https://github.com/\(slug).git",
                token: token, branch: branch, caFile: githubCaFile)
            return try GitHubForge(settings, cache: PrshPaths(dataDir: dataDir).githubCache)
        default:
            throw ValidationError("--forge must be local or github, got '\(forge)'")
        }
    }
}

/// Re-checks open PRs when main moves, merges the ones that turned green, and closes stale ones.
struct Maintenance: Service {
    let service: PRService
    let interval: Int
    let logger: Logger

    func run() async throws {
        var lastSweep = Date.distantPast
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await service.refreshAll()
                if Date().timeIntervalSince(lastSweep) > 3600 {
                    let closed = try await service.sweep()
                    if !closed.isEmpty {
                        logger.info("closed stale PRs \(closed.map { "#\($0)" }.joined(separator: ", "))")
                    }
                    lastSweep = Date()
                }
            } catch {
                logger.error("maintenance: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(max(1, interval))) }
        }
    }
}

/// Follows merged PRs' deployments on primd until each is final.
struct DeploymentFollower: Service {
    let service: PRService
    let interval: Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                for number in try await service.followDeployments() {
                    if let pr = try? await service.pullRequest(number), let deployment = pr.deployment {
                        logger.info("PR #\(number): \(deployment.summary)")
                    }
                }
            } catch {
                logger.error("following deployments: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(max(1, interval))) }
        }
    }
}

/// Tells primd about a merge the way GitHub would: a signed push event.
struct Notifier: Sendable {
    let url: String?
    let secret: [UInt8]?
    let branch: String

    init(url: String?, secretFile: String?, branch: String) throws {
        self.url = url
        self.branch = branch
        secret = try secretFile.map { file in
            guard let text = try FileReader.secret(file) else {
                throw ValidationError("notify secret file '\(file)' does not exist")
            }
            return Array(text.utf8)
        }
    }

    func merged(_ commit: String) {
        guard let url else { return }
        let body = Array("{\"ref\":\"refs/heads/\(branch)\",\"after\":\"\(commit)\"}".utf8)
        var headers = ["Content-Type": "application/json", "X-GitHub-Event": "push"]
        if let secret { headers["X-Hub-Signature-256"] = WebhookSignature.sign(body, secret: secret) }
        _ = try? HTTPClient.request("POST", url, headers: headers, body: body, timeout: 2)
    }
}
