import Foundation
import HTTPTypes
import Hummingbird
import PRService
import PrimModel
import PrimSigning
import PrimX402

/// pr.sh's HTTP interface; every handler maps one request to one PRService call.
struct Routes {
    /// How a caller proves who it is: its x402 payment (the default), or, on a single-user
    /// machine only, the unauthenticated `X-Wallet` header.
    enum Payments {
        case on(PaymentDesk)
        case off
    }

    let service: PRService
    let payments: Payments
    let publicURL: String
    /// The operator's bearer token; nil disables approval.
    let operatorToken: [UInt8]?
    let statePath: String
    let maxBody: Int

    var paying: (network: String, payTo: String)? {
        guard case .on(let desk) = payments else { return nil }
        return (desk.settings.network.id, desk.settings.payTo.checksummed)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        // A browser (Accept: text/html) gets the page of PRs; an agent, the JSON it always got.
        router.get("/") { request, _ -> Response in
            guard (request.headers[.accept] ?? "").contains("text/html") else {
                return Self.respond(Views.Service())
            }
            let prs = await service.list(state: nil)
            return Self.respond(text: PRPage(prs, now: Date()).render(), type: "text/html; charset=utf-8")
        }
        router.get("llms.txt") { _, _ in
            Self.respond(text: LLMsText.render(statePath: statePath, paying: paying), type: "text/plain; charset=utf-8")
        }
        router.get("v1/recipients") { _, _ in
            await handle {
                let hosts = try await service.recipients().map {
                    Views.Recipients.Host(host: $0.host, recipients: $0.recipients)
                }
                return Self.respond(Views.Recipients(hosts: hosts))
            }
        }
        router.post("v1/pr") { request, _ in
            await handle {
                let body = try await collect(request)
                let manifest = try Manifest.decode(body)
                // Free answers and refusals before a challenge; without payments `open` gives them itself.
                var price: UInt64 = 0
                if case .on = payments {
                    switch try await service.preflight(manifest) {
                    case .answer(let opening): return try await respond(opening)
                    case .proceed(let cost): price = cost
                    }
                }
                let call = "open \(manifest.contentHash) \(UUID().uuidString)"
                return try await paid(
                    request, path: "/v1/pr", description: "Open a pull request", price: price,
                    request: "open \(manifest.contentHash)",
                    check: { try await service.admit($0) },
                    claim: { wallet in
                        guard let early = try await service.claim(manifest, by: wallet, for: call) else { return nil }
                        return try await respond(early)
                    },
                    release: { await service.release(call) }
                ) { wallet in
                    let opening = try await service.open(manifest, wallet: wallet)
                    return (try await respond(opening), opening.pullRequest?.number)
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
                var list: [Views.PullRequestView] = []
                for pr in await service.list(state: state) {
                    list.append(Views.pullRequest(pr, url: await service.url(of: pr)))
                }
                return Self.respond(Views.PullRequests(pullRequests: list))
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
                let number = try Self.number(context)
                return try await act(request, number: number, action: .merge) { caller in
                    try await service.merge(number, by: caller)
                }
            }
        }
        router.post("v1/pr/:number/close") { request, context in
            await handle {
                let number = try Self.number(context)
                let body = try await collect(request)
                var comment: String?
                if !body.isEmpty {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                        throw ServiceError(
                            .invalidRequest, "the body must be empty or {\"comment\": \"…\"}", field: "body")
                    }
                    comment = object["comment"] as? String
                }
                return try await act(request, number: number, action: .close) { caller in
                    try await service.close(number, by: caller, comment: comment)
                }
            }
        }
        router.post("v1/pr/:number/approve") { request, context in
            await handle {
                let number = try Self.number(context)
                if isOperator(request) {
                    let pr = try await service.approve(number, by: "operator")
                    return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)))
                }
                // An owner's approval of another wallet's change to its prims: a paid call.
                let price = try await service.price(of: .approve, number, by: nil)
                let call = "approve #\(number) \(UUID().uuidString)"
                return try await paid(
                    request, path: "/v1/pr/\(number)/approve", description: "Approve PR #\(number) as a prim's owner",
                    price: price,
                    request: "approve #\(number)",
                    check: { try await service.authorizeApproval(number, owner: $0) },
                    claim: { wallet in
                        try await service.claim(pullRequest: number, action: .approve, by: .wallet(wallet), for: call)
                        return nil
                    },
                    release: { await service.release(call) }
                ) { wallet in
                    let pr = try await service.approve(number, owner: wallet)
                    return (Self.respond(Views.pullRequest(pr, url: await service.url(of: pr))), number)
                }
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
            if let challenge = error.paymentRequired {
                response.headers[Self.paymentRequired] = challenge
                response.headers[.cacheControl] = "no-store"
            }
            if let settlement = error.paymentResponse { response.headers[Self.paymentResponse] = settlement }
            return response
        } catch {
            return Self.respond(Views.error(ServiceError(.internalError, "\(error)")), status: .internalServerError)
        }
    }

    func collect(_ request: Request) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: maxBody).readableBytesView)
        } catch {
            throw ServiceError(
                .invalidRequest, "the body is larger than \(maxBody) bytes; split the change", field: "body")
        }
    }

    static let paymentRequired = HTTPField.Name(X402.requiredHeader)!
    static let paymentSignature = HTTPField.Name(X402.signatureHeader)!
    static let paymentResponse = HTTPField.Name(X402.responseHeader)!

    func respond(_ opening: PRService.Opening) async throws -> Response {
        switch opening {
        case .created(let pr):
            return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)), status: .created)
        case .duplicate(let pr):
            var view = Views.pullRequest(pr, url: await service.url(of: pr))
            view.duplicate = true
            return Self.respond(view)
        case .unchanged(let main, let mergedBy):
            return Self.respond(Views.unchanged(main: main, mergedBy: mergedBy))
        }
    }

    /// Merge or close: the operator's token acts free; a wallet pays, and must be the PR's author.
    func act(
        _ request: Request, number: Int, action: PRAction,
        _ work: @escaping (PRService.Caller) async throws -> PullRequest
    ) async throws -> Response {
        if isOperator(request) {
            let pr = try await work(.operator)
            return Self.respond(Views.pullRequest(pr, url: await service.url(of: pr)))
        }
        let price = try await service.price(of: action, number, by: nil)
        let call = "\(action.rawValue) #\(number) \(UUID().uuidString)"
        return try await paid(
            request, path: "/v1/pr/\(number)/\(action.rawValue)",
            description: "\(action.rawValue.prefix(1).uppercased() + action.rawValue.dropFirst()) PR #\(number)",
            price: price,
            request: "\(action.rawValue) #\(number)",
            // The claim authorizes the payer, at the moment it claims the PR; without payments, `work` does.
            check: { _ in },
            claim: { wallet in
                try await service.claim(pullRequest: number, action: action, by: .wallet(wallet), for: call)
                return nil
            },
            release: { await service.release(call) }
        ) { wallet in
            let pr = try await work(.wallet(wallet))
            return (Self.respond(Views.pullRequest(pr, url: await service.url(of: pr))), number)
        }
    }

    /// A paid call: `check` runs with the proven payer before anything is charged (a refusal is
    /// free); `claim` then re-checks and claims what the work will change until `release` (an
    /// answer it returns, or its refusal, is free too); the payment settles; `work` runs as that
    /// payer. Settled means paid: the answer carries `PAYMENT-RESPONSE` whether the work succeeded
    /// or was refused. `request` names the call (action and body): a payment pays for that request
    /// and no other. With payments off there is no payment between the checks and the work, and
    /// nothing to claim.
    func paid(
        _ request: Request, path: String, description: String, price: UInt64, request call: String,
        check: (String) async throws -> Void, claim: (String) async throws -> Response?, release: () async -> Void,
        work: (String) async throws -> (Response, Int?)
    ) async throws -> Response {
        guard case .on(let desk) = payments else {
            let wallet = try WalletHeaderIdentity().wallet(from: Self.headers(request))
            try await check(wallet)
            return try await work(wallet).0
        }
        let resource = ResourceInfo(url: publicURL + path, description: description, mimeType: "application/json")
        guard let header = request.headers[Self.paymentSignature] else {
            throw desk.challenge(price: price, resource: resource, reason: "payment required")
        }
        let verified = try desk.verify(header, price: price, resource: resource)
        try await check(verified.payer.description)
        if let answer = try await claim(verified.payer.description) {
            await release()
            return answer
        }
        do {
            let receipt = try await desk.settle(verified, price: price, request: call, resource: resource)
            do {
                var (response, number) = try await work(receipt.payer)
                desk.finish(receipt, pullRequest: number)
                await release()
                response.headers[Self.paymentResponse] = receipt.header
                return response
            } catch var error as ServiceError {
                desk.finish(receipt, pullRequest: error.pullRequest)
                error.paymentResponse = receipt.header
                throw error
            } catch {
                desk.finish(receipt, pullRequest: nil)
                var failure = ServiceError(.internalError, "\(error)")
                failure.paymentResponse = receipt.header
                throw failure
            }
        } catch {
            await release()
            throw error
        }
    }

    func isOperator(_ request: Request) -> Bool {
        guard let operatorToken, let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return false
        }
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

    static func respond(_ view: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        respond(text: PrimJSON.text(view), type: "application/json", status: status)
    }

    static func respond(text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
