import Hummingbird
import PrimController
import PrimEngine
import PrimSigning
import PrimViews

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// primd's HTTP interface: the status page at /, /healthz, /status, /metrics and the GitHub push webhook.
enum HTTPRoutes {
    static func router(controller: Controller, trigger: Trigger, secret: [UInt8]?) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            text(statusPage(controller), type: "text/html; charset=utf-8")
        }
        router.get("healthz") { _, _ in "ok\n" }
        router.get("status") { _, _ in
            var status = controller.currentStatus
            status.servedAt = Date()
            return text(status.json(), type: "application/json")
        }
        router.get("metrics") { _, _ in
            text(controller.metrics.render(), type: "text/plain; version=0.0.4")
        }
        // `primctl reconcile [--force] [--allow-rewrite]`; primd listens on loopback by default.
        router.post("reconcile") { request, _ -> Response in
            let force = request.uri.queryParameters["force"] == "true"
            let rewrite = request.uri.queryParameters["allow_rewrite"] == "true"
            trigger.fire(force: force, allowRewrite: rewrite)
            return text("{\"accepted\":true,\"force\":\(force),\"allow_rewrite\":\(rewrite)}\n", status: .accepted)
        }
        router.post("hooks/git") { request, _ -> Response in
            guard let secret else {
                return text(
                    "{\"error\":{\"code\":\"not_found\",\"message\":\"no webhook secret is configured\"}}\n",
                    status: .notFound)
            }
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            guard WebhookSignature.isValid(request.headers[.init("X-Hub-Signature-256")!], body: bytes, secret: secret)
            else {
                return text(
                    "{\"error\":{\"code\":\"unauthorized\",\"message\":\"X-Hub-Signature-256 is missing or wrong\"}}\n",
                    status: .unauthorized)
            }
            trigger.fire()
            return text("{\"accepted\":true}\n", status: .accepted, type: "application/json")
        }
        return router
    }

    /// The status page: what `primctl status` shows, from primd's own status, the manager's units
    /// and the host's generations.
    static func statusPage(_ controller: Controller) -> String {
        let config = controller.config
        let status = controller.currentStatus
        let generations = GenerationStore(dataDir: config.dataDir).all()
        let units = (try? HostUnits.observe(config).units) ?? [:]
        let rows = PrimRow.rows(
            units: units, generations: generations, controller: status, suspended: status.suspended != nil)
        let host = config.host ?? ProcessInfo.processInfo.hostName
        return HostPage(host: host, status: status, rows: rows, generations: generations, now: Date()).render()
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, type: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
