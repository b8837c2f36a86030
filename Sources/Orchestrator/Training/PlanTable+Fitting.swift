import Foundation

extension PlanTable {
    /// Every plan the full-information search values: for each topology the fleet can play faithfully, every set of
    /// distinct models of each agent count it allows, up to `maximumAgents` (models in fleet order; a cascade's levels
    /// are ordered by price when it runs).
    public static func candidates(catalog: Catalog, maximumAgents: Int = 5) -> [PlanValuation.Candidate] {
        let names = catalog.fleet.models.map(\.name)
        var candidates: [PlanValuation.Candidate] = []
        for topology in catalog.playableTopologies where topology.isCascade || !topology.readsMessages {
            let low = max(topology.agents.lowerBound, topology.cascade == .agreement ? 3 : 1)
            let high = min(topology.agents.upperBound, maximumAgents, names.count)
            guard low <= high else { continue }
            for count in low...high {
                for combination in combinations(of: names.count, choose: count) {
                    candidates.append(PlanValuation.Candidate(topology: topology.name, models: combination.map { names[$0] }))
                }
            }
        }
        return candidates
    }

    /// The k-element subsets of 0..<n, each in increasing order, in lexicographic order.
    static func combinations(of n: Int, choose k: Int) -> [[Int]] {
        guard k > 0, k <= n else { return k == 0 ? [[]] : [] }
        var result: [[Int]] = []
        var current = Array(0..<k)
        while true {
            result.append(current)
            var position = k - 1
            while position >= 0 && current[position] == n - k + position { position -= 1 }
            guard position >= 0 else { return result }
            current[position] += 1
            for next in (position + 1)..<k { current[next] = current[next - 1] + 1 }
        }
    }

    /// Which plans a fit values, and how surely.
    public struct Support: Sendable, Equatable {
        /// A plan is valued on a domain only where it could be played on at least this share of the domain's tasks …
        public var minimumShare: Double
        /// … and on at least this many.
        public var minimumTasks: Int
        /// Standard errors of the mean utility taken off each plan's utility: a plan played on few tasks must do better
        /// to be chosen (0 on full information, where every plan is valued on the same tasks).
        public var pessimism: Double

        public init(minimumShare: Double, minimumTasks: Int = 1, pessimism: Double = 0) {
            self.minimumShare = minimumShare
            self.minimumTasks = minimumTasks
            self.pessimism = pessimism
        }

        /// Full information: every model's outcome on (nearly) every task.
        public static let fullInformation = Support(minimumShare: 0.9)
    }

    /// Values every candidate on every task of `valuation` and keeps, per domain and over all tasks, the `kept` best
    /// plans by utility = accuracy − λ × mean cost (less `support.pessimism` standard errors) and every single-agent
    /// plan. A plan is valued on a domain only where the outcomes cover enough of its tasks (`support`: on full
    /// information, 90% of them). Votes are weighed by each model's reliability alone in the domain, as the
    /// controller's plans will be.
    public static func fit(
        _ valuation: PlanValuation,
        costWeight: Double,
        candidates: [PlanValuation.Candidate]? = nil,
        kept: Int = 64,
        support: Support = .fullInformation
    ) async -> PlanTable {
        let candidates = candidates ?? Self.candidates(catalog: valuation.catalog)
        let domains = valuation.domains.map(\.rawValue)
        let keys = Array(Set(domains)).sorted() + [anyDomain]
        var tasks: [String: Int] = [anyDomain: domains.count]
        for domain in domains { tasks[domain, default: 0] += 1 }

        // Reliabilities first: each model alone, for the votes.
        let singles = candidates.filter { $0.models.count == 1 }
        var reliability: [String: [String: Double]] = [:]
        let singleTopology = singles.first { $0.topology == "single" }?.topology ?? singles.first?.topology
        for candidate in singles where candidate.topology == singleTopology {
            let sums = Sums(valuation.outcomes(of: candidate), domains: domains, costWeight: costWeight)
            for key in keys {
                if let accuracy = sums.accuracy(key, of: tasks[key] ?? 0, support: support) {
                    reliability[key, default: [:]][candidate.models[0]] = accuracy
                }
            }
        }
        // Per domain its own reliabilities; plans are valued once per domain's weights only where they matter (votes).
        let valued = await valueAll(
            candidates,
            valuation: valuation,
            domains: domains,
            keys: keys,
            reliability: reliability,
            costWeight: costWeight
        )
        var table: [String: [Entry]] = [:]
        for key in keys {
            var entries: [Entry] = []
            for (candidate, sums) in zip(candidates, valued) {
                guard let sum = sums[key], let accuracy = sum.accuracy(key, of: tasks[key] ?? 0, support: support) else { continue }
                let cost = sum.meanCost(key)
                entries.append(
                    Entry(
                        topology: candidate.topology,
                        models: candidate.models,
                        accuracy: accuracy,
                        meanCostUSD: cost,
                        utility: Utility.of(score: accuracy, costUSD: cost, costWeight: costWeight) - support.pessimism * sum.standardError(key)
                    )
                )
            }
            // Ties go to fewer agents, then to a topology that asks for a direct answer (on recordings a step-by-step
            // prompt changes nothing), then by name.
            let direct = { (name: String) in valuation.catalog.topology(named: name)?.style == .direct ? 0 : 1 }
            entries.sort {
                ($1.utility, $0.models.count, direct($0.topology), $0.topology) < ($0.utility, $1.models.count, direct($1.topology), $1.topology)
            }
            let best = entries.prefix(kept)
            table[key] = Array(best) + entries.dropFirst(kept).filter { $0.models.count == 1 }
        }
        return PlanTable(costWeight: costWeight, tasks: tasks, domains: table, reliability: reliability)
    }

    /// Each candidate's sums per domain key, valued concurrently; a vote weighed by each domain's own reliabilities.
    private static func valueAll(
        _ candidates: [PlanValuation.Candidate],
        valuation: PlanValuation,
        domains: [String],
        keys: [String],
        reliability: [String: [String: Double]],
        costWeight: Double
    ) async -> [[String: Sums]] {
        let chunk = max(1, candidates.count / 16)
        return await withTaskGroup(of: (Int, [[String: Sums]]).self) { group in
            for start in stride(from: 0, to: candidates.count, by: chunk) {
                let slice = Array(candidates[start..<min(candidates.count, start + chunk)])
                group.addTask {
                    let sums = slice.map { candidate -> [String: Sums] in
                        let isVote = valuation.catalog.topology(named: candidate.topology)?.aggregation == .vote && candidate.models.count > 1
                        guard isVote else {
                            let sums = Sums(valuation.outcomes(of: candidate), domains: domains, costWeight: costWeight)
                            return Dictionary(uniqueKeysWithValues: keys.map { ($0, sums) })
                        }
                        return Dictionary(
                            uniqueKeysWithValues: keys.map { key in
                                (
                                    key,
                                    Sums(
                                        valuation.outcomes(of: candidate, reliability: reliability[key] ?? [:]),
                                        domains: domains,
                                        costWeight: costWeight
                                    )
                                )
                            }
                        )
                    }
                    return (start, sums)
                }
            }
            var all = [[String: Sums]](repeating: [:], count: candidates.count)
            for await (start, sums) in group {
                for (offset, value) in sums.enumerated() { all[start + offset] = value }
            }
            return all
        }
    }

    /// A plan's summed scores and costs per domain key over the tasks it could be played on, and the summed squares of
    /// its utility per task (for the standard error).
    struct Sums: Sendable {
        var score: [String: Double] = [:]
        var cost: [String: Double] = [:]
        var utilitySquares: [String: Double] = [:]
        var played: [String: Int] = [:]
        let costWeight: Double

        init(_ outcomes: [(score: Double, costUSD: Double)?], domains: [String], costWeight: Double) {
            self.costWeight = costWeight
            for (outcome, domain) in zip(outcomes, domains) {
                guard let outcome else { continue }
                let utility = Utility.of(score: outcome.score, costUSD: outcome.costUSD, costWeight: costWeight)
                for key in [domain, PlanTable.anyDomain] {
                    score[key, default: 0] += outcome.score
                    cost[key, default: 0] += outcome.costUSD
                    utilitySquares[key, default: 0] += utility * utility
                    played[key, default: 0] += 1
                }
            }
        }

        /// The mean score where the plan was played on enough of the key's `total` tasks.
        func accuracy(_ key: String, of total: Int, support: Support) -> Double? {
            guard let count = played[key], count > 0, count >= support.minimumTasks, Double(count) >= support.minimumShare * Double(total)
            else { return nil }
            return (score[key] ?? 0) / Double(count)
        }

        func meanCost(_ key: String) -> Double {
            (cost[key] ?? 0) / Double(max(1, played[key] ?? 0))
        }

        /// The standard error of the mean utility per task.
        func standardError(_ key: String) -> Double {
            let count = Double(played[key] ?? 0)
            guard count > 1 else { return 0 }
            let mean = Utility.of(score: score[key] ?? 0, costUSD: cost[key] ?? 0, costWeight: costWeight) / count
            let variance = max(0, (utilitySquares[key] ?? 0) / count - mean * mean) * count / (count - 1)
            return (variance / count).squareRoot()
        }
    }
}
