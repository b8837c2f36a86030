import Foundation

extension PolicyTrainer {
    /// Trains with full information on recorded outcomes: every plan whose agents answer independently is played out on
    /// every training task (`PlanValuation`) and valued by utility = score − λ × cost per domain (`PlanTable`), so the
    /// topology, agent count and model stages follow the best plans instead of the few an on-policy run would sample.
    /// Nothing is run. Roles stay at the prior: no role changes a recorded answer. The judge (when given) decides the
    /// cascades' escalations as it will in runs; the outcome model (when given) is kept for the model stage's prior.
    /// On the answers logged by stored runs (`TraceStore.loggedOutcomes`) each plan is valued where all its models
    /// answered, with `support` saying how many such tasks it needs and how pessimistically it is valued.
    public func trainWithFullInformation(
        _ tasks: [OrchestrationTask],
        outcomes: RecordedOutcomes,
        taskSet: String? = nil,
        judge: EscalationJudge? = nil,
        outcomeModel: OutcomeModel? = nil,
        support: PlanTable.Support = .fullInformation
    ) async -> (parameters: ControllerParameters, candidates: Int, tasks: Int) {
        var parameters = orchestrator.controller.zeroParameters
        parameters.escalationJudge = judge
        parameters.outcomeModel = outcomeModel
        let valuation = PlanValuation(
            catalog: orchestrator.catalog,
            outcomes: outcomes,
            tasks: tasks,
            policy: orchestrator.verification,
            escalation: EscalationPolicy(rule: .costWeight(options.costWeight), judge: judge)
        )
        let candidates = PlanTable.candidates(catalog: orchestrator.catalog)
        let table = await PlanTable.fit(valuation, costWeight: options.costWeight, candidates: candidates, support: support)
        parameters.plans = table
        // The training utility of the best plan of each domain, weighed by the domain's tasks.
        let domains = table.tasks.filter { $0.key != PlanTable.anyDomain }
        let total = Double(max(1, domains.values.reduce(0, +)))
        let best = domains.reduce(0.0) { $0 + Double($1.value) * (table.domains[$1.key]?.first?.utility ?? 0) } / total
        let mode = support == .fullInformation ? "full-information" : "logged-answers"
        seal(&parameters, mode: mode, taskSet: taskSet, runs: support == .fullInformation ? 0 : valuation.taskCount, epochUtilities: [best])
        return (parameters, candidates.count, valuation.taskCount)
    }
}
