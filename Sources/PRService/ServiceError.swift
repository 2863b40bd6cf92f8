/// A refusal as pr.sh answers it: an HTTP status, a stable code, a message for people and
/// agents, and the request field or file path it is about.
public struct ServiceError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, Codable {
        case invalidRequest = "invalid_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case conflict
        case rateLimited = "rate_limited"
        case paymentRequired = "payment_required"
        case unavailable
        case internalError = "internal_error"

        public var status: Int {
            switch self {
            case .invalidRequest: return 400
            case .unauthorized: return 401
            case .forbidden: return 403
            case .notFound: return 404
            case .conflict: return 409
            case .rateLimited: return 429
            case .paymentRequired: return 402
            case .unavailable: return 503
            case .internalError: return 500
            }
        }
    }

    public var code: Code
    public var message: String
    /// The request field (`files[2].path`), header (`X-Wallet`) or file path the error is about.
    public var field: String?
    /// Validation diagnostics (`state/prims/x.yaml:3:5: error: … [code]`), for rejected state.
    public var diagnostics: [String] = []
    /// For 409: the PR in the way. For 429: seconds until a retry can succeed.
    public var pullRequest: Int?
    public var retryAfter: Int?
    /// x402 headers to answer with: the challenge (`PAYMENT-REQUIRED`) and the settlement (`PAYMENT-RESPONSE`).
    public var paymentRequired: String?
    public var paymentResponse: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }
}
