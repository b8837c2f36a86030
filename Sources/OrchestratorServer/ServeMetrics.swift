import Orchestrator
import Prometheus

/// What `serve` counts of the runs it made, exposed at `/metrics` in Prometheus' text format: runs by status and
/// topology, model calls by model and outcome, run and call latency histograms, cost and tokens by model.
struct ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

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
}
