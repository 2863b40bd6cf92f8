import Foundation
import Hummingbird
import PRService
import PrimSigning

/// pr.sh's HTTP interface; every handler maps one request to one PRService call.
struct Routes {
    let service: PRService
    let identity: IdentityResolver
    /// The operator's bearer token; nil disables approval.
    let operatorToken: [UInt8]?
    let statePath: String
    let maxBody: Int

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in Self.respond(["service": "pr.sh", "status": "ok"]) }
        router.get("llms.txt") { _, _ in
            Self.respond(text: LLMsText.render(statePath: statePath), type: "text/plain; charset=utf-8")
        }
        router.get("v1/recipients") { _, _ in
            await handle {
                let hosts = try await service.recipients().map { ["host": $0.host, "recipients": $0.recipients] as [String: Any] }
                return Self.respond(["hosts": hosts])
            }
        }
        router.post("v1/pr") { request, _ in
            await handle {
                let wallet = try identity.wallet(from: Self.headers(request))
                let body = try await collect(request)
                let manifest = try Manifest.decode(body)
                switch try await service.open(manifest, wallet: wallet) {
                case .created(let pr):
                    return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)), status: .created)
                case .duplicate(let pr):
                    var view = Views.pullRequest(pr, url: await service.url(of: pr))
                    view["duplicate"] = true
                    return Self.respond(view)
                case .unchanged(let main, let mergedBy):
                    return Self.respond(Views.unchanged(main: main, mergedBy: mergedBy))
                }
            }
        }
        router.get("v1/prs") { request, _ in
            await handle {
                let text = request.uri.queryParameters["state"].map(String.init)
                var state: PullRequest.State?
                if let text, text != "all" {
                    guard let parsed = PullRequest.State(rawValue: text) else {
                        throw ServiceError(.invalidRequest, "state must be open, merged, closed or all", field: "state")
                    }
                    state = parsed
                }
                var list: [[String: Any]] = []
                for pr in await service.list(state: state) { list.append(Views.pullRequest(pr, url: await service.url(of: pr))) }
                return Self.respond(["pull_requests": list])
            }
        }
        router.get("v1/pr/:number") { request, context in
            await handle {
                let pr = try await service.pullRequest(try Self.number(context))
                return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)))
            }
        }
        router.post("v1/pr/:number/merge") { request, context in
            await handle {
                let pr = try await service.merge(try Self.number(context), by: try caller(request))
                return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)))
            }
        }
        router.post("v1/pr/:number/close") { request, context in
            await handle {
                let caller = try caller(request)
                let body = try await collect(request)
                var comment: String?
                if !body.isEmpty {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                        throw ServiceError(.invalidRequest, "the body must be empty or {\"comment\": \"…\"}", field: "body")
                    }
                    comment = object["comment"] as? String
                }
                let pr = try await service.close(try Self.number(context), by: caller, comment: comment)
                return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)))
            }
        }
        router.post("v1/pr/:number/approve") { request, context in
            await handle {
                guard isOperator(request) else {
                    throw ServiceError(.forbidden, "approving needs the operator's token in 'Authorization: Bearer …'", field: "Authorization")
                }
                let pr = try await service.approve(try Self.number(context), by: "operator")
                return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)))
            }
        }
        return router
    }

    /// Runs a handler; a ServiceError becomes its status and `{"error": …}` body.
    func handle(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as ServiceError {
            var response = Self.respond(Views.error(error), status: .init(code: error.code.status))
            if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
            return response
        } catch {
            return Self.respond(Views.error(ServiceError(.internalError, "\(error)")), status: .internalServerError)
        }
    }

    func collect(_ request: Request) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: maxBody).readableBytesView)
        } catch {
            throw ServiceError(.invalidRequest, "the body is larger than \(maxBody) bytes; split the change", field: "body")
        }
    }

    func caller(_ request: Request) throws -> PRService.Caller {
        if isOperator(request) { return .operator }
        return .wallet(try identity.wallet(from: Self.headers(request)))
    }

    func isOperator(_ request: Request) -> Bool {
        guard let operatorToken, let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        return WebhookSignature.constantTimeEqual(Array(header.dropFirst(7).utf8), operatorToken)
    }

    static func number(_ context: BasicRequestContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0 else {
            throw ServiceError(.invalidRequest, "the PR number must be a positive integer", field: "number")
        }
        return number
    }

    static func headers(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for field in request.headers { result[field.name.canonicalName] = field.value }
        return result
    }

    static func respond(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        respond(text: Views.json(object), type: "application/json", status: status)
    }

    static func respond(text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
