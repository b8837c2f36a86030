/// What a receiver is told about a neighbour's message it gets (or does not get) before it acts.
public enum DeliveryVerdict: String, Sendable, Codable, CaseIterable {
    /// Verification is off: delivered as it is.
    case unchecked
    /// Every check passed and it agrees with the receiver's other inputs.
    case verified
    /// Its checks passed but its answer conflicts with another input: delivered as a dispute to resolve.
    case disputed
    /// A check failed or could not vouch for it: delivered, marked unverified with the reason.
    case unverified
    /// A check failed under `check+quarantine`: not delivered; the receiver is told it was withheld.
    case withheld
    /// Its sender is quarantined: not delivered.
    case quarantined

    /// Whether the receiver sees the message's text.
    public var isDelivered: Bool {
        switch self {
        case .unchecked, .verified, .disputed, .unverified: true
        case .withheld, .quarantined: false
        }
    }
}
