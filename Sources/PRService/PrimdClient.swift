import Foundation
import PrimModel
import PrimStatus
import PrimSystem

/// Reads primd's status over its HTTP API (`GET <url>/status`): what promotion and deployment
/// following go by. pr.sh never writes to primd.
public struct PrimdClient: Sendable {
    /// primd's base URL, like `http://127.0.0.2:8470`.
    public var url: String
    public var timeout: Double

    public init(url: String, timeout: Double = 3) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.timeout = timeout
    }

    public func report() -> Promotion.Report {
        do {
            let response = try HTTPClient.request("GET", url + "/status", timeout: timeout)
            guard response.status == 200 else { return .unreachable("GET /status answered \(response.status)") }
            guard let status = try? PrimJSON.decode(ControllerStatus.self, from: response.body)
            else {
                return .unreachable("GET /status did not answer primd's status JSON")
            }
            return .status(status)
        } catch {
            return .unreachable("GET /status: no answer within \(Int(timeout)) s")
        }
    }
}
