import Foundation
import Orchestrator
import Testing

/// Cells of `orchestrate traces` and the viewer, against values written out by hand.
@Suite(.timeLimit(.minutes(1))) struct TraceCellsTests {
    @Test func aMomentIsUTCToTheSecond() {
        // 2026-11-22T10:04:05Z is 1,795,341,845 s after the epoch; a stored time keeps milliseconds, shown cut off.
        #expect(TraceCells.moment(Date(timeIntervalSince1970: 1_795_341_845.678)) == "2026-11-22 10:04:05")
        #expect(TraceCells.moment(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29 00:00:00")
    }

    @Test func missingValuesAreDashes() {
        #expect(TraceCells.score(nil) == "—" && TraceCells.milliseconds(nil) == "—")
        #expect(TraceCells.score(0.5) == "0.50" && TraceCells.milliseconds(12.34) == "12.3" && TraceCells.cost(0.0012346) == "0.001235")
    }
}
