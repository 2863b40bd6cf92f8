import Foundation
import PrimModel
import PrimStatus

/// The `promotion` check of a PR that makes a prim `live`: green only when primd reports the
/// prim, as the PR would make it live but for its status (its `PrimIdentity` digest), passing its
/// gate and conformance on its host without a failure for `policy.promotion.min_testing_minutes`.
public enum Promotion {
    /// A prim the PR promotes, with its `PrimIdentity` digest at the PR's head.
    public struct Candidate: Sendable, Equatable {
        public var prim: String
        public var code: String?

        public init(prim: String, code: String?) {
            self.prim = prim
            self.code = code
        }
    }

    /// What primd said, or why it could not be read.
    public enum Report: Sendable {
        case status(ControllerStatus)
        case unreachable(String)
        case notConfigured
    }

    /// The prims `live` with the change and not on main: `testing → live`, and a prim that would
    /// be new, or come from any other status, straight to `live` (it has never passed: it waits).
    public static func promoted(base: DesiredState, head: DesiredState) -> [String] {
        head.prims.filter { $0.status == .live && base.prim($0.id)?.status != .live }.map(\.id).sorted()
    }

    /// The check for `candidates` (none: no check). Pure: `now` is the caller's clock, used only when
    /// primd's status does not say when it was served.
    public static func check(_ candidates: [Candidate], report: Report, minutes: Int, now: Date, base: String) -> Check?
    {
        guard !candidates.isEmpty else { return nil }
        var failures: [String] = [], waits: [String] = [], passes: [String] = []
        for candidate in candidates {
            switch verdict(candidate, report: report, minutes: minutes, now: now) {
            case .success(let line): passes.append(line)
            case .pending(let line): waits.append(line)
            case .failure(let line): failures.append(line)
            }
        }
        let names = candidates.map(\.prim).joined(separator: ", ")
        let status: Check.Status = !failures.isEmpty ? .failure : !waits.isEmpty ? .pending : .success
        let summary: String
        switch status {
        case .success: summary = "\(names) passed conformance on the host for \(minutes) minutes or more"
        case .pending: summary = "waiting: \(waits.first!)"
        case .failure: summary = failures.first!
        }
        return Check(
            name: .promotion, status: status, summary: summary, details: failures + waits + passes, base: base, at: now)
    }

    enum Verdict: Equatable {
        case success(String), pending(String), failure(String)
    }

    /// How old primd's last check of a prim may be for the promotion to count it.
    static let staleSeconds = 30.0 * 60

    static func verdict(_ candidate: Candidate, report: Report, minutes: Int, now: Date) -> Verdict {
        let prim = candidate.prim
        let status: ControllerStatus
        switch report {
        case .notConfigured:
            return .pending(
                "\(prim): pr.sh is not told where primd's status is (--primd-url), so it cannot see the prim pass; the promotion waits until it is"
            )
        case .unreachable(let why):
            return .pending("\(prim): primd's status cannot be read (\(why)); checked again at the next re-check")
        case .status(let read):
            status = read
        }
        guard let health = status.prims.first(where: { $0.prim == prim }) else {
            if let blocked = status.blocked?.first(where: { $0.prim == prim }) {
                return .failure("\(prim) is not deployed on its host: \(blocked.message)")
            }
            return .pending("\(prim): primd has not checked it yet; it must run at status testing first")
        }
        guard health.release == candidate.code else {
            return .pending(
                "\(prim): the host runs \(health.release?.prefix(12) ?? "nothing") and this PR makes \(candidate.code?.prefix(12) ?? "none") live (its code, prim.yaml or secrets differ, not only its status); merge such changes at status testing first, then send the status change alone"
            )
        }
        guard health.up else {
            let routes = (health.routes ?? []).filter { $0.outcome == .failed }.map(\.message)
            return .failure(
                "\(prim) fails its gate on the host: \(routes.isEmpty ? health.message : routes.joined(separator: "; ")); fix it at status testing first"
            )
        }
        // Durations of primd's times are measured on primd's clock (when it served the status), so
        // a skew between the two hosts neither promotes early nor holds a promotion back.
        let now = status.servedAt ?? now
        // primd re-checks running prims every minute or so: an old answer may be of a prim that no longer runs.
        guard let checked = health.checkedAt, now.timeIntervalSince(checked) <= Self.staleSeconds else {
            let when = health.checkedAt.map { "since \($0.formatted(.iso8601))" } ?? "at a known time"
            return .pending(
                "\(prim): primd has not checked it \(when); the promotion waits for a check of the last \(Int(Self.staleSeconds / 60)) minutes"
            )
        }
        guard let since = health.passingSince else {
            return .pending("\(prim): primd has no passing check of it on record yet")
        }
        let needed = Double(minutes) * 60
        let passed = now.timeIntervalSince(since)
        guard passed >= needed else {
            return .pending(
                "\(prim) has passed conformance for \(Int(max(0, passed) / 60)) of \(minutes) minutes (since \(since.formatted(.iso8601)), code \(health.release?.prefix(12) ?? "none")); pr.sh checks again until it has"
            )
        }
        return .success(
            "\(prim) has passed conformance since \(since.formatted(.iso8601)) (code \(health.release?.prefix(12) ?? "none"))"
        )
    }
}
