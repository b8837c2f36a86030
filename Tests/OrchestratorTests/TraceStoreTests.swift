import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

@Suite(.timeLimit(.minutes(5)))
struct TraceStoreTests {
    /// Several connections (as several processes would) opening one new database at once all succeed.
    @Test func concurrentOpensOfANewDatabaseAllMigrate() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for round in 0..<5 {
            let path = directory.appendingPathComponent("traces-\(round).sqlite").path
            let failures = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        await Task.detached {
                            do {
                                _ = try TraceStore.open(path: path, logger: TestSupport.logger)
                                return nil
                            } catch {
                                return "\(error)"
                            }
                        }.value
                    }
                }
                return await group.compactMap { $0 }.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(failures.isEmpty, "concurrent opens of a new database failed: \(failures)")
            let store = try TraceStore.open(path: path, logger: TestSupport.logger)
            #expect(try await store.counts().runs == 0)
        }
    }
}
