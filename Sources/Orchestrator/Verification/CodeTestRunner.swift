import Foundation

/// Runs a code answer against a task's tests in a child process with a time limit, a memory limit and no network:
/// `unshare -rn` gives the process a network namespace of its own with no interfaces, `prlimit` caps its address
/// space and CPU time, and a wall-clock watchdog kills it. Where user namespaces are not allowed, the network is
/// cut at the socket level inside Python instead, and the check says so.
public enum CodeTestRunner {
    /// Runs the tests and says whether they passed, as a `code` check.
    public static func check(code: String, tests: CodeTests) async -> CheckResult {
        guard tests.language == "python" else {
            return CheckResult(check: .code, outcome: .skipped, detail: "tests in \(tests.language) cannot be run; only python")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-code-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let isolated = await networkNamespaceWorks()
            let prelude = isolated ? "" : socketBlock
            let program = prelude + code + "\n\n# --- tests ---\n" + tests.source + "\n"
            try program.write(to: directory.appendingPathComponent("answer_test.py"), atomically: true, encoding: .utf8)
            var command = [
                "prlimit", "--as=\(tests.memoryMegabytes * 1_048_576)", "--cpu=\(Int(tests.timeoutSeconds.rounded(.up)))", "--",
                "python3", "-I", "-B", "answer_test.py",
            ]
            if isolated { command = ["unshare", "-rn"] + command }
            let outcome = try await Subprocess.run("/usr/bin/env", command, directory: directory, timeoutSeconds: tests.timeoutSeconds)
            let network = isolated ? "no network (own namespace)" : "network blocked at the socket level"
            if outcome.timedOut {
                return CheckResult(check: .code, outcome: .failed, detail: "the tests ran past \(format(tests.timeoutSeconds)) s and were stopped")
            }
            if outcome.status == 0 {
                return CheckResult(check: .code, outcome: .passed, detail: "the tests passed (\(network))")
            }
            let last = outcome.error.split(separator: "\n").last.map(String.init) ?? "exit status \(outcome.status)"
            return CheckResult(check: .code, outcome: .failed, detail: "the tests failed: \(last.prefix(300))")
        } catch {
            return CheckResult(check: .code, outcome: .skipped, detail: "the tests could not be run: \(error)")
        }
    }

    private static func format(_ seconds: Double) -> String {
        AnswerExtractor.canonicalNumber(seconds)
    }

    /// Python that makes every socket fail, for machines where a network namespace cannot be made.
    static let socketBlock = """
        import socket as _socket
        def _no_network(*args, **kwargs):
            raise OSError("network access is not allowed in tests")
        _socket.socket = _no_network
        _socket.create_connection = _no_network

        """

    /// Whether `unshare -rn` works here, probed once.
    static func networkNamespaceWorks() async -> Bool {
        await NamespaceProbe.shared.works()
    }

    actor NamespaceProbe {
        static let shared = NamespaceProbe()
        private var known: Bool?

        func works() async -> Bool {
            if let known { return known }
            let directory = FileManager.default.temporaryDirectory
            let outcome = try? await Subprocess.run("/usr/bin/env", ["unshare", "-rn", "true"], directory: directory, timeoutSeconds: 5)
            let result = outcome?.status == 0
            known = result
            return result
        }
    }
}
