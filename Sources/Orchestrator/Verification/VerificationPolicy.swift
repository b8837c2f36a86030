/// How a run treats the messages agents send each other.
public enum VerificationPolicy: String, Sendable, Codable, CaseIterable, Hashable {
    /// Messages are delivered as they are, marked `unchecked`; no check runs and nothing is spent on checking.
    case off
    /// Every message is checked; a failing one still reaches its receivers, marked unverified with the reason.
    case check
    /// Every message is checked; a failing one is withheld, and a sender that fails repeatedly is cut from the
    /// graph for the rest of the run: not called again, its messages not delivered, its answer not counted.
    case checkAndQuarantine = "check+quarantine"

    /// Whether messages are checked at all.
    public var checks: Bool { self != .off }
    /// Whether failing messages are withheld and repeat offenders cut.
    public var quarantines: Bool { self == .checkAndQuarantine }

    /// How many failed messages cut a sender under `check+quarantine`.
    public static let strikesBeforeQuarantine = 2
}
