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
    static func render(_ url: String, profile: URL, screenshot: String? = nil, extraArguments: [String] = []) async throws -> String {
        let chromium = try #require(path, "no chromium: apt-get install chromium, or set ORCHESTRATE_CHROMIUM")
        var arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)"] + extraArguments
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
        try await Self.expectLabelsInsideTheirBoxes(of: "\(root)/ui/runs/\(debate.id)", agents: 4, in: directory)
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

    /// Measures the run page's agent graph as Chromium lays it out (a page of the test's own fetches it, the browser's
    /// same-origin rule off for that profile, and shows it in a frame with its styles and script): every label's box
    /// inside its agent's box, every agent's box inside the graph.
    static func expectLabelsInsideTheirBoxes(of url: String, agents: Int, in directory: URL) async throws {
        let harness = directory.appendingPathComponent("measure.html")
        try """
        <!doctype html><html><body><pre id="report">pending</pre>
        <iframe id="page" width="1280" height="1600"></iframe>
        <script>
        fetch("\(url)").then((reply) => reply.text()).then((html) => {
          const frame = document.getElementById("page");
          frame.addEventListener("load", () => setTimeout(() => {
            const svg = frame.contentDocument.querySelector("svg.graph");
            const canvas = svg.viewBox.baseVal;
            const inside = (inner, outer) => inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5
              && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;
            const report = { agents: 0, labels: [], boxesInside: true };
            svg.querySelectorAll("g.agent").forEach((agent) => {
              report.agents += 1;
              const box = agent.querySelector("rect").getBBox();
              if (!inside(box, canvas)) report.boxesInside = false;
              agent.querySelectorAll("text").forEach((label) => {
                report.labels.push({ text: label.textContent, inside: inside(label.getBBox(), box) });
              });
            });
            document.getElementById("report").textContent = JSON.stringify(report);
          }, 300));
          frame.srcdoc = html.replace("<head>", '<head><base href="\(url)">');
        });
        </script></body></html>
        """.write(to: harness, atomically: true, encoding: .utf8)
        let profile = directory.appendingPathComponent("chromium-measure")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let dom = try await Chromium.render(
            harness.absoluteString,
            profile: profile,
            extraArguments: ["--disable-web-security", "--virtual-time-budget=10000"]
        )
        let start = try #require(dom.range(of: "<pre id=\"report\">"), "no report in \(dom.prefix(300))")
        let end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
            of: "&amp;",
            with: "&"
        )
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "the page was not measured: \(json)")
        #expect(report["agents"] as? Int == agents)
        #expect(report["boxesInside"] as? Bool == true, "an agent's box leaves the graph")
        let labels = try #require(report["labels"] as? [[String: Any]])
        #expect(labels.count >= 3 * agents)
        let outside = labels.filter { $0["inside"] as? Bool != true }.compactMap { $0["text"] as? String }
        #expect(outside.isEmpty, "labels outside their box: \(outside)")
    }
}
