import Foundation
import Orchestrator
import Testing

/// Run ids are version 4 UUIDs in lower case, made without Foundation's per-call device read.
@Suite struct TraceIDsTests {
    @Test func runIDsAreDistinctLowerCaseVersion4UUIDs() {
        let ids = (0..<2000).map { _ in TraceIDs.runID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            let characters = Array(id)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "\(id)")
            #expect(characters.count == 36 && characters[14] == "4" && "89ab".contains(characters[19]), "\(id)")
        }
        // Every other hex digit takes all sixteen values: the bytes are random, not fixed.
        let digits = Set(
            ids.flatMap {
                Array($0.replacingOccurrences(of: "-", with: "")).enumerated().filter { $0.offset != 12 && $0.offset != 16 }.map(\.element)
            }
        )
        #expect(digits.count == 16)
    }
}
