import Orchestrator
import Prometheus
import Synchronization

/// What `serve` counts of the runs it made, exposed at `/metrics` in Prometheus' text format: runs by status and
/// topology, model calls by model and outcome, run and call latency histograms, cost and tokens by model.
final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Every controller version that was live while `/metrics` was read, and the changes counted so far.
    private let controllersSeen = Mutex<(versions: Set<String>, changes: Int)>(([], 0))

    /// Latency buckets, from a cached simulated call to a slow multi-agent run.
    static let buckets: [Duration] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .milliseconds(Int($0 * 1000)) }

    /// Counts one finished run and each model call it made.
    func record(_ result: RunResult) {
        let topology = result.plan?.topology ?? "none"
        registry.makeCounter(descriptor: Self.runs, labels: [("status", result.status.rawValue), ("topology", topology)]).increment()
        registry.makeDurationHistogram(descriptor: Self.runDuration, labels: [("topology", topology)], buckets: Self.buckets)
            .record(.milliseconds(Int64((result.wallSeconds * 1000).rounded())))
        for call in result.calls {
            let model = [("model", call.model)]
            registry.makeCounter(descriptor: Self.calls, labels: model + [("outcome", call.answered ? "answered" : "failed")]).increment()
            registry.makeDurationHistogram(descriptor: Self.callDuration, labels: model, buckets: Self.buckets)
                .record(.milliseconds(Int64(call.latencyMilliseconds.rounded())))
            registry.makeCounter(descriptor: Self.cost, labels: model).increment(by: call.costUSD)
            registry.makeCounter(descriptor: Self.tokens, labels: model + [("kind", "prompt")]).increment(by: Int64(call.promptTokens))
            registry.makeCounter(descriptor: Self.tokens, labels: model + [("kind", "completion")]).increment(by: Int64(call.completionTokens))
        }
    }

    /// Sets the live controller's gauge (1 for the version planning now, 0 for those seen before) and the count of its
    /// changes in this process (promotions, rollbacks, and promotions followed from the store).
    func observe(_ live: LiveController.Snapshot) {
        let (seen, newChanges) = controllersSeen.withLock { seen -> ([String], Int) in
            seen.versions.insert(live.version)
            let newChanges = max(0, live.changes - seen.changes)
            seen.changes = max(seen.changes, live.changes)
            return (seen.versions.sorted(), newChanges)
        }
        for version in seen {
            registry.makeGauge(descriptor: Self.liveController, labels: [("version", version)]).set(version == live.version ? 1.0 : 0.0)
        }
        registry.makeCounter(descriptor: Self.controllerChanges).increment(by: Int64(newChanges))
    }

    /// The metrics in Prometheus' text exposition format.
    func text() -> String { registry.emitToString() }

    static var runs: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "orchestrate", metricName: "runs", unitName: "total", helpText: "Runs by status and topology.")
    }
    static var runDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "orchestrate",
            metricName: "run_duration",
            unitName: "seconds",
            helpText: "Wall time of runs by topology."
        )
    }
    static var calls: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "orchestrate",
            metricName: "model_calls",
            unitName: "total",
            helpText: "Model calls by model and outcome (answered or failed), retries and re-asks included."
        )
    }
    static var callDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "orchestrate",
            metricName: "model_call_duration",
            unitName: "seconds",
            helpText: "Latency of model calls by model."
        )
    }
    static var cost: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "orchestrate", metricName: "cost", unitName: "usd_total", helpText: "Cost of model calls by model, in USD.")
    }
    static var tokens: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "orchestrate",
            metricName: "tokens",
            unitName: "total",
            helpText: "Tokens of model calls by model and kind (prompt or completion)."
        )
    }
    static var liveController: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "orchestrate",
            metricName: "controller_live",
            helpText: "1 for the controller version requests plan with now, 0 for versions live before."
        )
    }
    static var controllerChanges: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "orchestrate",
            metricName: "controller_promotions",
            unitName: "total",
            helpText: "Changes of the live controller in this process: guarded promotions, manual ones and rollbacks."
        )
    }
}
