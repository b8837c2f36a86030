import Foundation
import Testing

@testable import Orchestrator

/// Run ids are version 7 UUIDs in lower case: time-ordered at the front, random at the back, made without Foundation's
/// per-call device read.
@Suite struct TraceIDsTests {
    @Test func runIDsAreDistinctLowerCaseVersion7UUIDs() {
        let ids = (0..<2000).map { _ in TraceIDs.runID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            let characters = Array(id)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "\(id)")
            #expect(characters.count == 36 && characters[14] == "7" && "89ab".contains(characters[19]), "\(id)")
        }
        // The random part's hex digits (after the variant's) take all sixteen values: not fixed, not a counter.
        let digits = Set(ids.flatMap { Array($0.suffix(12)) + Array($0.dropFirst(20).prefix(3)) })
        #expect(digits.count == 16)
    }

    @Test func aRunIDStartsWithItsTimeInMilliseconds() throws {
        let time = Date(timeIntervalSince1970: 1_796_342_400.123_456)
        let id = TraceIDs.runID(at: time)
        let milliseconds = try #require(UInt64(id.replacingOccurrences(of: "-", with: "").prefix(12), radix: 16))
        #expect(milliseconds == 1_796_342_400_123)
        // The next 12 bits (after the version digit) are the fraction of the millisecond: 0.456 of 4096 = 1867.8, to
        // within the step a double's rounding of the time leaves.
        let fraction = try #require(UInt64(String(Array(id)[15...17]), radix: 16))
        #expect((1867...1868).contains(fraction))
    }

    @Test func laterRunIDsSortLater() {
        let start = Date(timeIntervalSince1970: 1_796_342_400)
        // A quarter of a microsecond apart (one step of the 12-bit fraction), then milliseconds and years apart.
        let offsets: [TimeInterval] = [0, 0.000_000_25, 0.000_5, 0.001, 0.002, 60, 86_400 * 365 * 30]
        let ids = offsets.map { TraceIDs.runID(at: start.addingTimeInterval($0)) }
        #expect(ids.sorted() == ids)
        #expect(Set(ids).count == ids.count)
    }
}
