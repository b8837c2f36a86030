/// What the controller learned with full information on recorded outcomes: per domain, the mean score, cost and
/// utility of every plan whose agents answer independently (`PlanValuation`), and each model's reliability there.
///
/// The controller's stages read it as one distribution over whole plans factored into its four decisions: a
/// candidate's logit is `utilityScale` times the best utility of a stored plan that extends the choices made so far
/// with it (topology, then agent count, then each agent's model in position order), so the greedy plan is the best
/// stored plan and sampling explores the ones near it. Roles are left to the prior: on recorded outcomes no role
/// changes an answer, so nothing was learned about them.
public struct PlanTable: Sendable, Codable, Equatable {
    /// One plan and what it did on the training tasks of a domain.
    public struct Entry: Sendable, Codable, Equatable {
        public var topology: String
        /// Each agent's model, in position order.
        public var models: [String]
        public var accuracy: Double
        public var meanCostUSD: Double
        /// accuracy − λ × mean cost.
        public var utility: Double

        public init(topology: String, models: [String], accuracy: Double, meanCostUSD: Double, utility: Double) {
            self.topology = topology
            self.models = models
            self.accuracy = accuracy
            self.meanCostUSD = meanCostUSD
            self.utility = utility
        }
    }

    /// The domain key of the plans valued over every training task, for a domain with none of its own.
    public static let anyDomain = "*"
    /// Logits per unit of utility: one nat for 0.01 (a point of accuracy).
    public static let utilityScale = 100.0

    /// λ of the utility the plans were valued with.
    public var costWeight: Double
    /// Domain (`Domain` raw value, or `anyDomain`) → training tasks valued.
    public var tasks: [String: Int]
    /// Domain → the best plans by utility, then every single-agent plan.
    public var domains: [String: [Entry]]
    /// Domain → model → its share of right answers alone.
    public var reliability: [String: [String: Double]]

    public init(costWeight: Double, tasks: [String: Int], domains: [String: [Entry]], reliability: [String: [String: Double]]) {
        self.costWeight = costWeight
        self.tasks = tasks
        self.domains = domains
        self.reliability = reliability
    }

    /// The plans for a domain: its own, else those valued over every task.
    public func entries(for domain: Domain) -> [Entry]? {
        domains[domain.rawValue] ?? domains[Self.anyDomain]
    }

    /// The reliabilities for a domain: its own, else those over every task.
    public func reliabilities(for domain: Domain) -> [String: Double] {
        reliability[domain.rawValue] ?? reliability[Self.anyDomain] ?? [:]
    }

    /// The best single-agent plan of a domain.
    public func bestSingleAgent(for domain: Domain) -> Entry? {
        entries(for: domain)?.filter { $0.models.count == 1 }.max { $0.utility < $1.utility }
    }

    /// The stored plans a task's constraints and budget allow, best first, as the stages read them.
    struct Guide: Sendable {
        var entries: [Entry]

        init?(table: PlanTable?, domain: Domain, task: OrchestrationTask) {
            guard let all = table?.entries(for: domain) else { return nil }
            let allowed = task.constraints.models.map(Set.init)
            let pinnedCount = task.constraints.agentCount ?? task.constraints.roles?.count
            entries = all.filter { entry in
                if let name = task.constraints.topology, entry.topology != name { return false }
                if let count = pinnedCount, entry.models.count != count { return false }
                if let limit = task.budget.maxAgents, entry.models.count > limit { return false }
                if let allowed, !entry.models.allSatisfy(allowed.contains) { return false }
                return true
            }
            guard !entries.isEmpty else { return nil }
        }

        /// The logit of choosing `topology`: the best utility of a stored plan of it.
        func topology(_ name: String) -> Double {
            logit(entries.filter { $0.topology == name })
        }

        /// The logit of `count` agents for `topology`.
        func count(_ count: Int, topology: String) -> Double {
            logit(entries.filter { $0.topology == topology && $0.models.count == count })
        }

        /// The logit of `model` for the agent after `chosen`.
        func model(_ model: String, after chosen: [String], topology: String, count: Int) -> Double {
            logit(
                entries.filter { entry in
                    entry.topology == topology && entry.models.count == count && entry.models.count > chosen.count
                        && Array(entry.models.prefix(chosen.count)) == chosen && entry.models[chosen.count] == model
                }
            )
        }

        /// The scaled utility of the first (best) stored plan that extends a choice; a tie between choices goes to the
        /// one whose best plan the table lists first (fewer agents, a direct answer).
        private func logit(_ extending: [Entry]) -> Double {
            guard let best = extending.first, let rank = entries.firstIndex(of: best) else { return -.infinity }
            return PlanTable.utilityScale * best.utility - 1e-6 * Double(rank)
        }
    }
}
