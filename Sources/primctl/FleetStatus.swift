import Foundation
import PrimModel
import PrimPlan
import PrimStatus
import PrimSystem
import PrimViews

/// `primctl status --fleet`: every host of the state, as its primd reports itself at the
/// `control:` URL of its hosts/<name>.yaml.
struct FleetView: CommandView {
    var hosts: [FleetHost]

    static func ask(_ hosts: [PrimModel.Host], timeout: Double = 3) -> FleetView {
        FleetView(hosts: FleetHost.ask(hosts, timeout: timeout))
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
            lines.append("    prims: \(row.primsLine)")
            for message in row.blocked ?? [] { lines.append("    \(message)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
