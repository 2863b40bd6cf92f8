import PrimModel
import PrimStatus
import PrimSystem

/// One host of a fleet as its primd reports itself at its `control:` URL: what
/// `primctl status --fleet` lists and primd's page shows under "Fleet".
public struct FleetHost: Encodable, Sendable {
    public var host: String
    public var control: String?
    /// Why primd could not be asked, if it could not.
    public var unreachable: String?
    public var ready: Bool?
    public var reason: String?
    public var message: String?
    public var liveRevision: String?
    public var prims: [String: Bool]?
    public var blocked: [String]?

    /// Asks each host's primd (`GET <control>/status`), at most `timeout` seconds each.
    public static func ask(_ hosts: [Host], timeout: Double = 3) -> [FleetHost] {
        hosts.sorted { $0.name < $1.name }.map { host in
            var row = FleetHost(host: host.name, control: host.control)
            guard let control = host.control else {
                row.unreachable = "\(StateLayout.Folder.hosts.file(host.name)) declares no control: URL"
                return row
            }
            do {
                let response = try HTTPClient.request("GET", control + "/status", timeout: timeout)
                guard response.status == 200 else {
                    row.unreachable = "primd answered HTTP \(response.status)"
                    return row
                }
                let status = try PrimJSON.decode(ControllerStatus.self, from: response.body)
                let ready = status.condition(.ready)
                row.ready = ready?.status
                row.reason = ready?.reason.rawValue
                row.message = ready?.message
                row.liveRevision = status.liveRevision
                row.prims = Dictionary(status.prims.map { ($0.prim, $0.up) }) { a, _ in a }
                row.blocked = status.blocked?.map(\.message)
            } catch {
                row.unreachable = "\(error)"
            }
            return row
        }
    }

    /// `search up, store down`.
    public var primsLine: String {
        let prims = (prims ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value ? "up" : "down")" }
        return prims.isEmpty ? "none" : prims.joined(separator: ", ")
    }
}
