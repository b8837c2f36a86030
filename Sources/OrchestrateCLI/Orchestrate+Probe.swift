import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate {
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call one model of a fleet directly, several times, and report latency, tokens and throughput.",
            discussion: """
                Sends the same chat request COUNT times, one after another, through the same provider `run` uses \
                (no retries, no executor) and prints each call and a summary. --print-request prints the exact \
                JSON body and URL instead, so the same request can be sent with curl to compare.
                """
        )

        @Argument(help: "The model's name in the fleet.")
        var model: String

        @OptionGroup var common: CommonOptions

        @Option(name: .long, help: "How many calls.")
        var count: Int = 5

        @Option(name: .long, help: "The user message.")
        var prompt: String = "Task:\nA box holds 6 eggs. How many eggs are in 4 boxes?"

        @Option(name: .long, help: "The most tokens a reply may have.")
        var maxTokens: Int = 64

        @Flag(name: .long, help: "Print the request's URL and JSON body and exit.")
        var printRequest = false

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--count must be from 1 to 10000, got \(count)") }
        }

        func run() async throws {
            let logger = common.bootstrapLogging()
            let (catalog, providers) = try common.loadCatalog()
            guard let spec = catalog.fleet.model(named: model) else {
                printError(
                    "error: fleet '\(catalog.fleet.name)' has no model '\(model)'; it has \(catalog.fleet.models.map(\.name).joined(separator: ", "))"
                )
                throw ExitCode(2)
            }
            let request = probeRequest(model: spec)
            if printRequest {
                let http = OpenAICompatibleProvider()
                print(http.endpoint(of: spec).map { $0 + "/chat/completions" } ?? "(no endpoint)")
                print(String(decoding: try OpenAICompatibleProvider.requestBody(request), as: UTF8.self))
                return
            }
            let provider = try providers.provider(for: spec)
            logger.debug("probing", metadata: ["model": "\(spec.name)"])
            var latencies: [Double] = []
            var rates: [Double] = []
            var failures = 0
            let clock = ContinuousClock()
            for index in 1...count {
                let start = clock.now
                do {
                    let response = try await provider.complete(request)
                    let milliseconds = (clock.now - start).seconds * 1000
                    latencies.append(milliseconds)
                    let rate = Double(response.usage.completionTokens) / (milliseconds / 1000)
                    rates.append(rate)
                    let estimated = response.usage.estimated ? " (estimated)" : ""
                    print(
                        "call \(index): \(format(milliseconds)) ms · \(response.usage.promptTokens) in / \(response.usage.completionTokens) out\(estimated) · \(format(rate)) tokens/s · \(response.finishReason ?? "-")"
                    )
                } catch {
                    failures += 1
                    print("call \(index): failed after \(format((clock.now - start).seconds * 1000)) ms: \(error)")
                }
            }
            guard !latencies.isEmpty else { throw ExitCode(1) }
            print(
                "\(spec.name): \(latencies.count) calls, \(failures) failed · latency p50 \(format(percentile(latencies, 0.5))) ms, p90 \(format(percentile(latencies, 0.9))) ms, min \(format(latencies.min() ?? 0)) ms, max \(format(latencies.max() ?? 0)) ms · output \(format(percentile(rates, 0.5))) tokens/s (median)"
            )
        }

        func probeRequest(model: ModelSpec) -> ChatRequest {
            let role = Role(name: "probe", domain: .general, description: "a probe call", systemPrompt: "Answer briefly.")
            var messages = [ChatMessage(role: .system, content: role.systemPrompt)]
            for example in model.fewShotExamples {
                messages.append(ChatMessage(role: .user, content: "Task:\n\(example.user)"))
                messages.append(ChatMessage(role: .assistant, content: example.assistant))
            }
            messages.append(ChatMessage(role: .user, content: prompt))
            return ChatRequest(
                model: model,
                messages: messages,
                maxTokens: maxTokens,
                context: CallContext(
                    taskID: "probe",
                    query: prompt,
                    domain: .general,
                    answerKind: .text,
                    expected: nil,
                    role: role,
                    agentIndex: 0,
                    step: 0,
                    seed: 0
                )
            )
        }

        func percentile(_ values: [Double], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            let position = fraction * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(sorted.count - 1, lower + 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }

        func format(_ value: Double) -> String { String(format: "%.1f", value) }
    }
}
