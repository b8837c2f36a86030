import Foundation

/// Runs a code answer against a task's tests inside a `CodeSandbox` jail, through the `CodeTestHarness`.
///
/// The verdict comes from the harness's report, which carries a secret drawn for this run: an answer that exits
/// early, ends its process, patches the harness's functions or prints a success line fails the check. Where no jail
/// can be made the check is `skipped` with the reason, and the answer is never run.
public enum CodeTestRunner {
    /// Runs the tests and says whether they passed, as a `code` check, in the jail `sandbox` gives (by default the
    /// one `CodeSandbox.available()` finds on this machine).
    public static func check(
        code: String,
        tests: CodeTests,
        sandbox jail: Result<CodeSandbox, CodeSandboxUnavailable>? = nil
    ) async -> CheckResult {
        guard tests.language == "python" else {
            return CheckResult(check: .code, outcome: .skipped, detail: "tests in \(tests.language) cannot be run; only python")
        }
        let sandbox: CodeSandbox
        let probed: Result<CodeSandbox, CodeSandboxUnavailable>
        if let jail { probed = jail } else { probed = await CodeSandbox.available() }
        switch probed {
        case .success(let found): sandbox = found
        case .failure(let unavailable):
            return CheckResult(check: .code, outcome: .skipped, detail: "not run: no sandbox can be made here (\(unavailable.reason))")
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-code-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        do {
            let scratch = base.appendingPathComponent("work")
            let harness = base.appendingPathComponent("harness")
            try CodeSandbox.prepare(base, writable: false)
            try CodeSandbox.prepare(scratch, writable: true)
            try CodeSandbox.prepare(harness, writable: false)
            let secret = UUID().uuidString + UUID().uuidString
            try CodeSandbox.write(secret, to: scratch.appendingPathComponent(CodeTestHarness.secretFile), privateToJail: true)
            try CodeSandbox.write(code, to: scratch.appendingPathComponent(CodeTestHarness.answerFile), privateToJail: true)
            try CodeSandbox.write(tests.source, to: harness.appendingPathComponent(CodeTestHarness.testsFile), privateToJail: false)
            try CodeSandbox.write(CodeTestHarness.program, to: harness.appendingPathComponent(CodeTestHarness.programFile), privateToJail: false)
            let limits = CodeSandbox.Limits(memoryMegabytes: tests.memoryMegabytes, cpuSeconds: Int(tests.timeoutSeconds.rounded(.up)))
            let (executable, arguments) = sandbox.command(
                program: "/harness/\(CodeTestHarness.programFile)",
                scratch: scratch,
                harness: harness,
                limits: limits
            )
            let outcome = try await Subprocess.run(executable, arguments, directory: base, timeoutSeconds: tests.timeoutSeconds)
            return verdict(of: outcome, secret: secret, timeoutSeconds: tests.timeoutSeconds)
        } catch {
            return CheckResult(check: .code, outcome: .skipped, detail: "the tests could not be run: \(error)")
        }
    }

    /// The check the harness's report gives: passed only on the line `<secret> passed`.
    static func verdict(of outcome: Subprocess.Outcome, secret: String, timeoutSeconds: Double) -> CheckResult {
        let jail = "jailed: no network, scratch folder only"
        if outcome.timedOut {
            return CheckResult(
                check: .code,
                outcome: .failed,
                detail: "the tests ran past \(AnswerExtractor.canonicalNumber(timeoutSeconds)) s and were stopped"
            )
        }
        let report = outcome.output.split(separator: "\n").first { $0.hasPrefix(secret + " ") }.map { $0.dropFirst(secret.count + 1) }
        if let report, report.hasPrefix("passed") {
            return CheckResult(check: .code, outcome: .passed, detail: "the tests passed (\(jail))")
        }
        if let report, report.hasPrefix("failed") {
            let reason = report.dropFirst("failed".count).trimmingCharacters(in: .whitespaces)
            return CheckResult(check: .code, outcome: .failed, detail: "the tests failed: \(reason)")
        }
        // The CPU limit ends the process with SIGXCPU (then SIGKILL): say so rather than a signal number.
        if outcome.status == 128 + SIGXCPU {
            return CheckResult(
                check: .code,
                outcome: .failed,
                detail: "the tests ran past the CPU limit of \(Int(timeoutSeconds.rounded(.up))) s and were stopped"
            )
        }
        let status = outcome.status > 128 ? "signal \(outcome.status - 128)" : "exit status \(outcome.status)"
        let said = outcome.error.split(whereSeparator: \.isNewline).last.map { ": " + $0.prefix(200) } ?? ""
        return CheckResult(
            check: .code,
            outcome: .failed,
            detail: "the process ended (\(status)) before the tests reported a result\(said)"
        )
    }
}
