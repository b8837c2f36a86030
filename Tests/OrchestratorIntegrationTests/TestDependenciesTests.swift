import Foundation
import OrchestratorTestSupport
import Testing

/// README's test command on a machine without what the tests need (`scripts/test-deps.sh`), played on stubs: a PATH
/// of stub commands and an empty root for the fixed paths, so that every package is missing.
@Suite(.timeLimit(.minutes(5))) struct TestDependenciesTests {
    static let everything = "libsqlite3-dev curl bubblewrap python3 python3-venv util-linux postgresql chromium wrk"

    /// A machine with bash and nothing the tests need: `id` answers `uid`, `apt-get` writes its arguments to `apt.log`
    /// and, asked to install, "installs" every package by creating what the script looks for.
    static func machine(uid: Int, in directory: URL) throws -> (path: String, root: String, log: URL) {
        let bin = directory.appendingPathComponent("bin")
        let root = directory.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for tool in ["bash", "env", "dirname"] {
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(tool).path, withDestinationPath: "/usr/bin/\(tool)")
        }
        let log = directory.appendingPathComponent("apt.log")
        func script(_ name: String, _ body: String, in folder: URL) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = folder.appendingPathComponent(name)
            try "#!/bin/bash\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        try script("id", "echo \(uid)", in: bin)
        let installed = [
            "for tool in dpkg curl bwrap prlimit setpriv chromium; do printf '#!/bin/bash\\nexit 0\\n' > '\(bin.path)'/$tool; /bin/chmod +x '\(bin.path)'/$tool; done",
            "/bin/mkdir -p '\(root.path)/usr/bin' '\(root.path)/usr/lib/postgresql/17/bin'",
            "for file in usr/bin/python3 usr/bin/wrk usr/lib/postgresql/17/bin/initdb; do printf '#!/bin/bash\\nexit 0\\n' > '\(root.path)'/$file; /bin/chmod +x '\(root.path)'/$file; done",
        ].joined(separator: "\n")
        try script("apt-get", "echo \"$*\" >> '\(log.path)'\nif [ \"$1\" = install ]; then\n\(installed)\nfi", in: bin)
        return (bin.path, root.path, log)
    }

    @Test func withoutRootTheTestCommandStopsAtOnceWithTheOneCommandToRun() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let machine = try Self.machine(uid: 1000, in: directory)
        let run = try await TestSupport.shell(
            "env -i PATH='\(machine.path)' ORCHESTRATE_DEPS_ROOT='\(machine.root)' bash scripts/test.sh"
        )
        #expect(run.status == 1)
        #expect(run.error.contains("sudo apt-get install -y \(Self.everything)"), "\(run.error)")
        #expect(run.error.split(separator: "\n").count == 1, "one line: \(run.error)")
        #expect(!FileManager.default.fileExists(atPath: machine.log.path), "apt-get was not run")
    }

    @Test func asRootTheScriptInstallsWhatIsMissing() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let machine = try Self.machine(uid: 0, in: directory)
        let environment = "env -i PATH='\(machine.path)' ORCHESTRATE_DEPS_ROOT='\(machine.root)'"
        let before = try await TestSupport.shell("\(environment) bash scripts/test-deps.sh check")
        #expect(before.status == 1 && before.output.contains(Self.everything))
        let install = try await TestSupport.shell("\(environment) bash scripts/test-deps.sh install")
        #expect(install.status == 0, "\(install.error)")
        let calls = try String(contentsOf: machine.log, encoding: .utf8).split(separator: "\n")
        #expect(calls == ["update -qq", "install -y -qq \(Self.everything)"])
        let after = try await TestSupport.shell("\(environment) bash scripts/test-deps.sh check")
        #expect(after.status == 0 && after.output.isEmpty)
    }
}
