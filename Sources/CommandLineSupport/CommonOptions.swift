import ArgumentParser
import Foundation
import Logging
import Orchestrator

/// Options every command that touches the catalogue or the trace store shares.
package struct CommonOptions: ParsableArguments {
    package init() {}

    @Option(name: .long, help: "The workflows folder (roles/, topologies/, fleets/).")
    package var workflows: String = "Workflows"

    @Option(name: .long, help: "The fleet file (default: <workflows>/fleets/simulated.json).")
    package var fleet: String?

    @Option(name: .long, help: TraceDatabaseDefault.help)
    package var db: String = TraceDatabaseDefault.path

    @Option(name: .long, help: "Recorded outcomes for a fleet of recorded models: a file of the general format (.jsonl) or RouteLLM's evals folder.")
    package var recordings: String?

    @Option(name: .long, help: "Each model's measured accuracy per domain (orchestrate fleet calibrate), for the prior to weigh.")
    package var quality: String?

    @Flag(name: .long, help: "Log debug detail to standard error.")
    package var verbose = false

    /// Sets up logging for the process (the executable's job, never the library's).
    package func bootstrapLogging() -> Logger {
        let level: Logger.Level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "orchestrate")
    }
}

extension CommonOptions {
    /// The providers for a fleet: the standard ones, and the recorded one when the fleet needs it.
    /// Throws a `ValidationError`-like message when a recorded fleet has no recordings.
    /// A recorded-outcomes task set answers from itself when no `--recordings` is given.
    package func providers(for fleet: Fleet, taskFile: String? = nil) throws -> ProviderRegistry {
        let needsRecordings = fleet.models.contains { $0.provider == .recorded }
        guard let recordings = recordingsPath(taskFile: taskFile) else {
            if needsRecordings {
                throw CommandInputError(
                    "fleet '\(fleet.name)' answers from recorded outcomes: pass them with --recordings PATH (a recorded-outcomes .jsonl file, or RouteLLM's folder such as ../shared/data/routellm)"
                )
            }
            return ProviderRegistry()
        }
        return ProviderRegistry(recordings: try LoadedRecordings.outcomes(at: recordings))
    }

    /// The recorded outcomes in force: `--recordings`, else the task file when it is a file of recorded outcomes.
    package func recordingsPath(taskFile: String?) -> String? {
        if let recordings { return recordings }
        guard let taskFile, RecordedOutcomesFile.isRecordedFile(path: taskFile) else { return nil }
        return taskFile
    }
}

/// The recorded outcomes and the fleet of recorded models a bench on recorded data reads.
package struct RecordedBenchOptions: ParsableArguments {
    package init() {}

    @Option(name: .long, help: "Recorded outcomes: a general-format .jsonl file or RouteLLM's folder, such as ../shared/data/routellm.")
    package var recordings: String

    @Option(name: .long, help: "The fleet file with the recorded models and their prices.")
    package var fleet: String = "Workflows/fleets/recorded-routellm.json"

    @Option(name: .long, help: "The workflows folder.")
    package var workflows: String = "Workflows"

    @Flag(
        name: .long,
        help: "Keep the dataset's own grading of recorded responses (default: graded as runs are scored, the answer read from the response)."
    )
    package var datasetGrading = false

    /// The catalogue with the fleet.
    package func catalog() throws -> Catalog {
        try CatalogLoader(workflowsDirectory: workflows).load(fleetPath: fleet)
    }

    /// The recorded outcomes, regraded as runs are scored unless `--dataset-grading`, with how many grades changed.
    package func outcomes() throws -> (outcomes: RecordedOutcomes, regrading: RecordedOutcomes.Regrading) {
        let loaded = try LoadedRecordings.outcomes(at: recordings)
        return datasetGrading ? (loaded, RecordedOutcomes.Regrading()) : loaded.regraded()
    }

    /// One line on the grading in force, for a report.
    package func gradingNote(_ regrading: RecordedOutcomes.Regrading) -> String {
        guard !datasetGrading else { return "grading: the dataset's own (--dataset-grading)" }
        let models = Set(regrading.nowRight.keys).union(regrading.nowWrong.keys).sorted()
        let changes = models.map { "\($0) \(regrading.nowRight[$0] ?? 0) now right, \(regrading.nowWrong[$0] ?? 0) now wrong" }
        return "grading: as runs are scored (the answer read from each response against the expected one); "
            + (changes.isEmpty ? "the dataset's grades all agree" : "changed from the dataset's: " + changes.joined(separator: "; "))
    }
}

extension CommonOptions {
    /// The labelled answers the supervised parts of a controller learn from: every model's recorded outcome when
    /// `--recordings` is given (graded as runs are scored), else the scored runs of `--db`; with where they came from.
    package func labelledAnswers(fleet: Fleet, taskFile: String? = nil) async throws -> (answers: LabelledAnswers, source: String) {
        if let recordings = recordingsPath(taskFile: taskFile) {
            return (LabelledAnswers(recorded: try LoadedRecordings.outcomes(at: recordings), fleet: fleet), recordings)
        }
        let store = try await openTraceStore(db, readOnly: true, logger: Logger(label: "orchestrate"))
        return (try await LabelledAnswers(store: store), store.name)
    }
}

/// What a command that runs tasks needs before it starts: the catalogue, the tasks and the providers.
package struct RunInputs {
    package var catalog: Catalog
    package var tasks: [OrchestrationTask]
    package var providers: ProviderRegistry
}

extension CommonOptions {
    /// Loads the catalogue and the providers its fleet needs. On bad input it prints one line and exits with
    /// status 2.
    package func loadCatalog() throws -> (Catalog, ProviderRegistry) {
        do {
            let catalog = try loadCalibratedCatalog()
            return (catalog, try providers(for: catalog.fleet))
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    /// Loads the catalogue, the task file (with the overrides applied and, when given, only the tasks `keep`
    /// accepts) and the providers. On bad input it prints one line and exits with status 2, starting nothing.
    package func loadInputs(
        file: String,
        overrides: TaskOverrides,
        keep: (OrchestrationTask) -> Bool = { _ in true }
    ) throws -> RunInputs {
        do {
            let catalog = try loadCalibratedCatalog()
            let loaded = try TaskParser(catalog: catalog).load(path: file).filter(keep)
            guard !loaded.isEmpty else { throw CommandInputError("\(file): no task left to run") }
            return RunInputs(
                catalog: catalog,
                tasks: try overrides.apply(to: loaded, catalog: catalog),
                providers: try providers(for: catalog.fleet, taskFile: file)
            )
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

extension CommonOptions {
    /// The catalogue with the fleet's qualities replaced by the calibration's measures, when one is given.
    package func loadCalibratedCatalog() throws -> Catalog {
        var catalog = try CatalogLoader(workflowsDirectory: workflows).load(fleetPath: fleet)
        if let quality {
            catalog.fleet = catalog.fleet.calibrated(by: try QualityCalibration.load(path: quality))
        }
        return catalog
    }

    /// The controller file at `path` checked against the catalogue and embedder, or nil without a path. On a bad file it prints
    /// one line and exits with status 2.
    package func controllerParameters(path: String?, catalog: Catalog, embedder: any Embedder) throws -> ControllerParameters? {
        guard let path else { return nil }
        do {
            return try ControllerParameters.load(path: path, catalog: catalog, embedder: embedder)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Input the command cannot work with; printed as it is, exit status 2.
package struct CommandInputError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Prints rows as columns padded to their widest cell, two spaces apart.
package func printColumns(_ table: [[String]]) {
    for line in formatColumns(table) { print(line) }
}

/// Rows as lines of columns padded to their widest cell, two spaces apart.
package func formatColumns(_ table: [[String]]) -> [String] {
    let columns = table.map(\.count).max() ?? 0
    let widths = (0..<columns).map { column in table.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return table.map { row in
        row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
    }
}

/// Prints one line to standard error.
package func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension VerificationPolicy: ExpressibleByArgument {}

extension EscalationPolicy.Rule: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }

    public var defaultValueDescription: String { argument }
}
