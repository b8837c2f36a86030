import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Orchestrator

extension Orchestrate.Bench {
    struct Writers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Durable messages a second into one trace store from several writing processes at once (SQLite file or PostgreSQL).",
            discussion: """
                For each --writers count, starts that many processes of this bench, each with a store of its own on \
                --db, which all begin at one moment and record --messages messages each as a run with a zero trace \
                flush delay records them (the message, one delivery, three check verdicts; one transaction each). \
                Reports messages a second over all writers (from the first start to the last end) and the time a \
                message took each writer. Give a fresh database: the runs stay in it.
                """
        )

        @Option(name: .long, help: "The store: a SQLite path or postgres://user@host:port/database (default: a temporary SQLite file).")
        var db: String?

        @Option(name: .long, parsing: .upToNextOption, help: "Writing processes at once, one measurement each.")
        var writers: [Int] = [1, 4]

        @Option(name: .long, help: "Messages each writer records.")
        var messages: Int = 2000

        @Option(name: .long, help: "Measurements at each count.")
        var repeats: Int = 3

        @Option(name: .long, help: .hidden)
        var childStartingAt: Double?

        func validate() throws {
            guard writers.allSatisfy({ (1...32).contains($0) }) else { throw ValidationError("--writers take counts from 1 to 32") }
            guard messages > 0 else { throw ValidationError("--messages must be positive, got \(messages)") }
            guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be from 1 to 20, got \(repeats)") }
        }

        func run() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-bench-writers-\(UUID().uuidString)")
            let database = db ?? folder.appendingPathComponent("traces.sqlite").path
            if let start = childStartingAt { return try await write(into: database, startingAt: start) }
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try await openTraceStore(database, creating: true)
            print("trace store writers · \(store.name) · \(messages) messages each")
            print(BenchWorkload.machine)
            var table = [["writers", "messages/s (all writers)", "µs per message (each writer)"]]
            for count in writers {
                var rates: [Double] = []
                var perMessage: [Double] = []
                for _ in 0..<repeats {
                    let spans = try await measure(writers: count, database: database)
                    let wall = (spans.map(\.end).max() ?? 0) - (spans.map(\.start).min() ?? 0)
                    rates.append(Double(count * messages) / wall)
                    perMessage.append(spans.map { ($0.end - $0.start) / Double(messages) * 1e6 }.reduce(0, +) / Double(spans.count))
                }
                table.append(["\(count)", Measurement(rates).summary("%.0f"), Measurement(perMessage).summary("%.0f")])
            }
            printColumns(table)
        }

        /// Starts `count` writers together; returns when each began and ended (seconds since 1970).
        private func measure(writers count: Int, database: String) async throws -> [(start: Double, end: Double)] {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            let startAt = Date().timeIntervalSince1970 + 1.5
            var children: [(Process, Pipe)] = []
            for _ in 0..<count {
                let process = Process()
                process.executableURL = executable
                process.arguments = ["writers", "--db", database, "--messages", "\(messages)", "--child-starting-at", "\(startAt)"]
                let output = Pipe()
                process.standardOutput = output
                try process.run()
                children.append((process, output))
            }
            var spans: [(start: Double, end: Double)] = []
            for (process, output) in children {
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                let numbers = text.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                guard process.terminationStatus == 0, numbers.count == 2 else {
                    throw CommandInputError("a writer exited with \(process.terminationStatus) and printed '\(text)'")
                }
                spans.append((numbers[0], numbers[1]))
            }
            return spans
        }

        /// One writer: opens its store, waits for the common start, records its messages and prints when it began and
        /// ended.
        private func write(into database: String, startingAt start: Double) async throws {
            let store = try await openTraceStore(database, creating: true, logger: Logger(label: "orchestrate.bench"))
            let wait = start - Date().timeIntervalSince1970
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            let began = Date().timeIntervalSince1970
            _ = try await Store.insertMessages(messages, into: store)
            print("\(began) \(Date().timeIntervalSince1970)")
        }
    }
}
