import Foundation
import PrimModel
import PrimPlan
import PrimStatus
import PrimSystem

/// `primctl status --fleet`: every host of the state, as its primd reports itself at the
/// `control:` URL of its hosts/<name>.yaml.
struct FleetView: CommandView {
    struct HostRow: Encodable {
        var host: String
        var control: String?
        /// Why primd could not be asked, if it could not.
        var unreachable: String?
        var ready: Bool?
        var reason: String?
        var message: String?
        var liveRevision: String?
        var prims: [String: Bool]?
        var blocked: [String]?
    }

    var hosts: [HostRow]

    /// Asks each host's primd, at most `timeout` seconds each.
    static func ask(_ hosts: [PrimModel.Host], timeout: Double = 3) -> FleetView {
        FleetView(
            hosts: hosts.sorted { $0.name < $1.name }.map { host in
                var row = HostRow(host: host.name, control: host.control)
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
            })
    }

    func human(_ palette: Palette) -> String {
        var lines: [String] = []
        for row in hosts {
            if let why = row.unreachable {
                lines.append("\(palette.paint(row.host, .bold))  \(palette.paint("unreachable", .red)): \(why)")
                continue
            }
            let state =
                row.ready == true
                ? palette.paint(ConditionType.ready.rawValue, .green) : palette.paint("Not ready", .red)
            let revision = row.liveRevision.map { " at \($0.prefix(12))" } ?? ""
            lines.append("\(palette.paint(row.host, .bold))  \(state) (\(row.reason ?? "no status yet"))\(revision)")
            let prims = (row.prims ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value ? "up" : "down")" }
            lines.append("    prims: \(prims.isEmpty ? "none" : prims.joined(separator: ", "))")
            for message in row.blocked ?? [] { lines.append("    \(message)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
