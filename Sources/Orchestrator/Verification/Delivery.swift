/// A neighbour's latest message as it reaches (or is kept from) one receiver in one step.
struct Delivery: Sendable {
    var sender: Int
    var output: Executor.AgentOutput
    var verdict: DeliveryVerdict
    /// Why, for verdicts other than `verified` and `unchecked`.
    var detail: String?

    /// The delivery as its receiver's ledger records it.
    var receipt: RunLedger.Receipt {
        RunLedger.Receipt(sender: sender, message: output.message, verdict: verdict, detail: detail)
    }
}
