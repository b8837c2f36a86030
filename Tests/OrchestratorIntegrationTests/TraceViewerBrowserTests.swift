import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// Where headless Chromium is (Debian's `chromium`, which `.ci/run` installs), and whether the test must run.
enum Chromium {
    static let path: String? =
        ProcessInfo.processInfo.environment["ORCHESTRATE_CHROMIUM"]
        ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Set by `scripts/test.sh` (and so by CI): the test then fails instead of being skipped without Chromium.
    static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_CHROMIUM"] == "1"

    /// The page's DOM after its scripts ran, as headless Chromium serialises it; with `screenshot`, also a PNG.
    static func render(_ url: String, profile: URL, screenshot: String? = nil) async throws -> String {
        let chromium = try #require(path, "no chromium: apt-get install chromium, or set ORCHESTRATE_CHROMIUM")
        var arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)"]
        if let screenshot { arguments += ["--window-size=1280,1600", "--screenshot=\(screenshot)"] } else { arguments.append("--dump-dom") }
        let result = try await Subprocess.run(chromium, arguments + [url], directory: profile, timeoutSeconds: 90)
        #expect(result.status == 0, "chromium: \(result.error.suffix(500))")
        return result.output
    }
}

/// The web trace viewer in a real browser: headless Chromium against a running `serve` with seeded runs.
@Suite(
    .enabled(if: Chromium.path != nil || Chromium.required, "no chromium: run scripts/test.sh, or apt-get install chromium"),
    .timeLimit(.minutes(5))
)
struct TraceViewerBrowserTests {
    @Test(.exclusive) func chromiumSeesTheRunsAGraphNodePerAgentAndAnEdgePerDeliveryByVerdict() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("traces.sqlite").path
        let seeded = try await TestSupport.runExecutable([
            "run", "Workflows/tasks/example.json", "--db", database, "--topology", "debate", "--agents", "4", "--inject", "persuasive@1",
            "--verify", "check+quarantine", "--repeat", "2", "--json",
        ])
        #expect(seeded.status == 0, "\(seeded.error)")
        let chain = try await TestSupport.runExecutable(["run", "Workflows/tasks/example.json", "--db", database, "--topology", "chain", "--json"])
        #expect(chain.status == 0, "\(chain.error)")

        let server = try await ServeProcess.start(["--db", database])
        defer { server.stop() }
        let root = server.root
        let profile = directory.appendingPathComponent("chromium")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)

        let store = try TraceStore.open(path: database, logger: TestSupport.logger)
        let runs = try await store.runs(matching: RunFilter())
        #expect(runs.count == 3)
        let list = try await Chromium.render("\(root)/ui", profile: profile)
        for run in runs { #expect(list.contains("href=\"/ui/runs/\(run.id)\""), "the runs page lists \(run.id)") }
        #expect(list.components(separatedBy: "<tr class=\"run ").count - 1 == 3)

        let debate = try #require(runs.first { $0.topology == "debate" })
        let trace = try #require(try await store.trace(runID: debate.id))
        #expect(
            trace.agents.count == 4 && trace.deliveries.count >= 6 && Set(trace.deliveries.map(\.verdict)).count >= 2,
            "the fixture has mixed verdicts"
        )
        let page = try await Chromium.render("\(root)/ui/runs/\(debate.id)", profile: profile)
        let nodes = page.components(separatedBy: "<g class=\"agent").count - 1
        #expect(nodes == 4, "one SVG node per agent")
        #expect(page.contains("<g class=\"agent faulty"), "the faulty agent is marked")
        #expect(page.components(separatedBy: "<path class=\"delivery ").count - 1 == trace.deliveries.count, "one edge per delivery")
        for verdict in Set(trace.deliveries.map(\.verdict)) {
            #expect(
                page.components(separatedBy: "<path class=\"delivery \(verdict)\"").count - 1
                    == trace.deliveries.filter { $0.verdict == verdict }.count,
                "edges coloured \(verdict)"
            )
        }
        let statistics = try await Chromium.render("\(root)/ui/statistics", profile: profile)
        #expect(statistics.contains("<h2>By topology</h2>") && statistics.contains("<td>debate</td>") && statistics.contains("<td>chain</td>"))

        if let folder = ProcessInfo.processInfo.environment["ORCHESTRATE_SCREENSHOTS"] {
            for (name, path) in [
                ("runs", "/ui"), ("run", "/ui/runs/\(debate.id)"), ("statistics", "/ui/statistics"), ("evaluation", "/ui/evaluation"),
            ] {
                _ = try await Chromium.render("\(root)\(path)", profile: profile, screenshot: "\(folder)/\(name).png")
            }
        }
    }
}
