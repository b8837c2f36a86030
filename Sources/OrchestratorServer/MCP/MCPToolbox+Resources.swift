import Foundation
import MCP
import Orchestrator

extension MCPToolbox {
    /// The scheme and path of a stored run's trace: `orchestrate://runs/{run_id}`.
    static let runURIPrefix = "orchestrate://runs/"

    static let traceTemplate = Resource.Template(
        uriTemplate: "\(runURIPrefix){run_id}",
        name: "run-trace",
        title: "A recorded run's trace",
        description: "The task, plan, messages, verdicts, tokens and cost of a recorded run (a short id works).",
        mimeType: "application/json"
    )

    /// The newest runs' traces (50), as resources.
    func listResources() async throws -> ListResources.Result {
        let runs = try await orchestrator.store.runs(matching: RunFilter(limit: 50))
        return ListResources.Result(
            resources: runs.map { run in
                Resource(
                    name: "run \(TraceIDs.short(run.id))",
                    uri: Self.runURIPrefix + run.id,
                    title: "\(run.taskID) · \(run.status.rawValue)",
                    description: "\(run.topology ?? "no plan") · \(Self.excerpt(run.query, limit: 80))",
                    mimeType: "application/json"
                )
            }
        )
    }

    /// A run's trace as JSON; a URI that names no run is an invalid-parameters error.
    func readResource(_ uri: String) async throws -> ReadResource.Result {
        guard uri.hasPrefix(Self.runURIPrefix), uri.count <= Self.runURIPrefix.count + 200 else {
            throw MCPError.invalidParams("expected a resource URI \(Self.traceTemplate.uriTemplate), got '\(Self.excerpt(uri, limit: 120))'")
        }
        let reference = String(uri.dropFirst(Self.runURIPrefix.count))
        let trace: RunTrace
        do {
            trace = try await orchestrator.store.trace(reference: reference)
        } catch let error as RunLookupError {
            throw MCPError.invalidParams(error.description)
        }
        let json = String(decoding: try OrchestratorServer.jsonEncoder().encode(trace), as: UTF8.self)
        return ReadResource.Result(contents: [.text(json, uri: Self.runURIPrefix + trace.run.id, mimeType: "application/json")])
    }
}
