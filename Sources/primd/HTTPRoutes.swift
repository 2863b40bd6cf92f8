import HTTPTypes
import Hummingbird
import PrimController
import PrimEngine
import PrimModel
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
            if let refusal = browserRefusal(request, listen: controller.settings.listen) { return refusal }
            let force = request.uri.queryParameters["force"] == "true"
            let rewrite = request.uri.queryParameters["allow_rewrite"] == "true"
            trigger.fire(force: force, allowRewrite: rewrite)
            return json(Accepted(force: force, allowRewrite: rewrite), status: .accepted)
        }
        router.post("hooks/git") { request, _ -> Response in
            guard let secret else {
                return json(Failure("not_found", "no webhook secret is configured"), status: .notFound)
            }
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            guard WebhookSignature.isValid(request.headers[.init("X-Hub-Signature-256")!], body: bytes, secret: secret)
            else {
                return json(Failure("unauthorized", "X-Hub-Signature-256 is missing or wrong"), status: .unauthorized)
            }
            trigger.fire()
            return json(Accepted(), status: .accepted)
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
        // The fleet: every host of the live revision, each primd asked for a second at most.
        return HostPage(host: host, status: status, rows: rows, generations: generations, now: Date())
            .with(fleet: FleetHost.ask(controller.fleetHosts(), timeout: 1)).render()
    }

    /// `POST /reconcile` is for primctl on this host, never for a browser: a page the operator
    /// visits could post a form to it (with credentials a proxy in front remembers), and a name
    /// rebound to primd's address could reach it. A request that carries `Origin` or
    /// `Sec-Fetch-Site` (every browser's POST does) or names a host that is not an address is refused.
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    static func browserRefusal(_ request: Request, listen: String) -> Response? {
        let origin = request.headers[.origin]
        let site = request.headers[secFetchSite]
        let host = (request.head.authority ?? "").lowercased()
        // primctl names primd as `controller.listen` says, whatever name that is.
        let listening = HostPort(listen).map { $0.host.lowercased() }
        let isAddress: Bool
        if host.hasPrefix("[") {  // [IPv6]:port
            isAddress = host.dropFirst().prefix { $0 != "]" }.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        } else {
            var hostname = host.prefix { $0 != ":" }
            if hostname.hasSuffix(".") { hostname = hostname.dropLast() }
            isAddress =
                hostname.elementsEqual("localhost") || hostname.elementsEqual(listening ?? "")
                || (!hostname.isEmpty && hostname.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") })
        }
        guard origin == nil, site == nil || site == "none", isAddress else {
            return json(
                Failure("forbidden", "POST /reconcile is for primctl on this host, not for a browser or another name"),
                status: .forbidden)
        }
        return nil
    }

    /// A request primd took: it reconciles on its loop.
    struct Accepted: Encodable {
        var accepted = true
        var force: Bool?
        var allowRewrite: Bool?
    }

    struct Failure: Encodable {
        struct Detail: Encodable { var code, message: String }
        var error: Detail
        init(_ code: String, _ message: String) { error = Detail(code: code, message: message) }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        text(PrimJSON.text(value, .line), status: status)
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, type: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
