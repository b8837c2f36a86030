import Foundation
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile code answers: the jail keeps them in their scratch folder, off the network, away from host processes and
/// root, and the harness's verdict cannot be forged by exiting early, patching or printing.
@Suite(.enabled(if: SandboxRequirement.runs, "bubblewrap is not installed (scripts/test.sh and CI require it)"), .timeLimit(.minutes(5)))
struct CodeSandboxTests {
    static let tests = CodeTests(source: "assert add(2, 3) == 5\nassert add(-1, 1) == 0", timeoutSeconds: 10, memoryMegabytes: 256)

    @Test(.exclusive) func thereIsAJailWhereTheTestsRun() async throws {
        let sandbox = await CodeSandbox.available()
        #expect(throws: Never.self, "no jail could be made") { try sandbox.get() }
    }

    @Test(.exclusive) func writingOutsideTheScratchFolderThenExitingEarlyFailsAndLeavesNothingOnTheHost() async throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-escape-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outside) }
        let code = """
            import os
            for path in [\(String(reflecting: outside.path)), "/tmp/escaped", "/escaped", "/harness/escaped", "/usr/escaped", "/work/../escaped"]:
                try:
                    with open(path, "w") as handle:
                        handle.write("escaped")
                except OSError:
                    pass
            raise SystemExit(0)
            """
        let result = await CodeTestRunner.check(code: code, tests: Self.tests)
        #expect(result.outcome == .failed, "\(result.detail)")
        #expect(result.detail.contains("SystemExit"), "\(result.detail)")
        #expect(!FileManager.default.fileExists(atPath: outside.path))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/escaped") && !FileManager.default.fileExists(atPath: "/escaped"))
    }

    @Test(
        .exclusive,
        arguments: [
            ("os._exit at load", "import os\nos._exit(0)"),
            ("os._exit in the tested function", "import os\ndef add(a, b):\n    os._exit(0)"),
            ("SystemExit in the tested function", "def add(a, b):\n    raise SystemExit(0)"),
            ("a signal to itself", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
            (
                "exec, sys.exit and AssertionError patched",
                "import builtins, sys\nbuiltins.exec = lambda *a, **k: None\nsys.exit = lambda *a: None\nbuiltins.AssertionError = KeyError\ndef add(a, b):\n    return a - b"
            ),
            (
                "printing success lines and the secret it tries to read",
                """
                import os, sys
                try:
                    secret = open("/work/.orchestrate-secret").read().strip()
                except OSError:
                    secret = "unknown"
                for line in ["passed", "OK", "the tests passed", secret + " passed", " passed"]:
                    print(line)
                    os.write(1, (line + "\\n").encode())
                sys.stdout.flush()
                os._exit(0)
                """
            ),
        ]
    )
    func anAnswerThatPreEmptsTheHarnessFails(label: String, code: String) async throws {
        let result = await CodeTestRunner.check(code: code, tests: Self.tests)
        #expect(result.outcome == .failed, "\(label): \(result.detail)")
    }

    /// The network test needs no internet: a listener on the host's loopback, which this process reaches, must be
    /// out of the answer's reach (a jail sharing the host's network would connect).
    @Test(.exclusive) func theAnswerRunsAsNobodyWithNoHostProcessesAndNoNetwork() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        #expect(listener.acceptsConnectionFromHere(), "the host reaches its own listener")
        let code = """
            import os, socket
            assert os.getuid() != 0 and os.geteuid() != 0, "running as root"
            processes = [entry for entry in os.listdir("/proc") if entry.isdigit()]
            assert len(processes) <= 3, f"sees {len(processes)} processes"
            try:
                socket.create_connection(("127.0.0.1", \(listener.port)), timeout=2)
                raise AssertionError("the host's loopback is reachable")
            except OSError:
                pass
            assert not os.path.exists("/root") and not os.path.exists("/home"), "sees the host's folders"
            def add(a, b):
                return a + b
            """
        let result = await CodeTestRunner.check(code: code, tests: Self.tests)
        #expect(result.outcome == .passed, "\(result.detail)")
    }

    @Test(.exclusive) func filesProcessesAndMemoryAreLimited() async throws {
        let bigFile = """
            with open("/work/big", "wb") as handle:
                handle.write(b"x" * (64 * 1024 * 1024))
            def add(a, b):
                return a + b
            """
        let big = await CodeTestRunner.check(code: bigFile, tests: Self.tests)
        #expect(big.outcome == .failed && big.detail.contains("File too large"), "\(big.detail)")
        let forks = """
            import os, time
            children = 0
            for _ in range(64):
                try:
                    if os.fork() == 0:
                        time.sleep(5)
                        os._exit(0)
                    children += 1
                except OSError:
                    break
            assert children < 64, f"forked {children}"
            def add(a, b):
                return a + b
            """
        let forked = await CodeTestRunner.check(code: forks, tests: Self.tests)
        #expect(forked.outcome == .passed, "\(forked.detail)")
    }

    @Test func withoutAJailTheCodeIsSkippedAndNeverRun() async {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-unjailed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: marker) }
        let code = "open(\(String(reflecting: marker.path)), 'w').write('ran')\ndef add(a, b):\n    return a + b"
        let result = await CodeTestRunner.check(
            code: code,
            tests: Self.tests,
            sandbox: .failure(CodeSandboxUnavailable(reason: "bubblewrap (bwrap) is not installed"))
        )
        #expect(result.outcome == .skipped && result.detail.contains("bwrap"), "\(result.detail)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }
}

/// Whether the jailed tests run: where `bwrap` is installed, or always when `scripts/test.sh` (and so CI) requires it.
enum SandboxRequirement {
    static let required = ProcessInfo.processInfo.environment["ORCHESTRATE_REQUIRE_SANDBOX"] == "1"
    static var runs: Bool {
        required || FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") || FileManager.default.isExecutableFile(atPath: "/bin/bwrap")
    }
}

/// A TCP listener on 127.0.0.1 at a free port, for checking what can reach the host's loopback.
struct LoopbackListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listening >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) } }
        guard bound == 0, listen(listening, 4) == 0 else { throw TestFailure("cannot listen on 127.0.0.1") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) }
        }
        guard named == 0 else { throw TestFailure("getsockname() failed") }
        descriptor = listening
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Whether a connection from this process gets through.
    func acceptsConnectionFromHere() -> Bool {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(client) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    func close() {
        Glibc.close(descriptor)
    }
}
