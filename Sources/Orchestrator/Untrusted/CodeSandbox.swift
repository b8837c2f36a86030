import Foundation

/// A jail for code answers, made with bubblewrap (`bwrap`): a new root holding only read-only system folders and a
/// fresh scratch folder, new user, PID, network, IPC, UTS and cgroup namespaces (no network, no view of host
/// processes), no capabilities, a new session, an empty environment, and limits (`prlimit`) on address space, CPU
/// time, processes, open files and file size. When orchestrate runs as root, the jail is entered as `nobody`
/// (`setpriv`), so the code never runs as root, inside the jail or outside it.
///
/// Where no jail can be made (no `bwrap`, no `python3` under `/usr`, user namespaces not allowed), `available()`
/// says why and code is not run at all.
public struct CodeSandbox: Sendable, Equatable {
    /// The interpreter, under `/usr` so the jail can see it.
    public var python: String
    /// The user id the jail is entered as when orchestrate is root.
    public static let unprivilegedUser: UInt32 = 65534

    /// The limits of one jailed run.
    public struct Limits: Sendable, Equatable {
        public var memoryMegabytes: Int
        /// CPU seconds before SIGXCPU ends the process (SIGKILL one second later if it ignores that).
        public var cpuSeconds: Int
        public var processes = 16
        public var openFiles = 64
        public var fileMegabytes = 16
    }

    /// A jail on this machine, or why none can be made; probed once per process.
    public static func available() async -> Result<CodeSandbox, CodeSandboxUnavailable> {
        await Probe.shared.result()
    }

    /// Whether this process runs as root (and so enters the jail as `nobody`).
    static var isRoot: Bool { getuid() == 0 }

    /// The command that runs `program` (a path inside the jail) with `python3` in a jail whose `/work` is `scratch`
    /// (read-write) and whose `/harness` is `harness` (read-only).
    func command(program: String, scratch: URL, harness: URL, limits: Limits) -> (executable: String, arguments: [String]) {
        var arguments: [String] = []
        if Self.isRoot {
            arguments += ["setpriv", "--reuid=\(Self.unprivilegedUser)", "--regid=\(Self.unprivilegedUser)", "--clear-groups", "--"]
        }
        arguments += [
            "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--hostname", "sandbox", "--clearenv",
            "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/work", "--setenv", "TMPDIR", "/work",
            "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONIOENCODING", "utf-8",
            "--ro-bind", "/usr", "/usr",
        ]
        // Merged-/usr systems link /bin, /lib… into /usr; others have them as folders of their own.
        for folder in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder) {
                arguments += ["--symlink", target, folder]
            } else if FileManager.default.fileExists(atPath: folder) {
                arguments += ["--ro-bind", folder, folder]
            }
        }
        arguments += [
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--proc", "/proc", "--dev", "/dev",
            "--bind", scratch.path, "/work", "--ro-bind", harness.path, "/harness", "--chdir", "/work",
            "--",
            "prlimit", "--as=\(limits.memoryMegabytes * 1_048_576)", "--cpu=\(limits.cpuSeconds):\(limits.cpuSeconds + 1)",
            "--nproc=\(limits.processes)", "--nofile=\(limits.openFiles)", "--fsize=\(limits.fileMegabytes * 1_048_576)", "--core=0",
            "--",
            python, "-I", "-B", program,
        ]
        return ("/usr/bin/env", arguments)
    }

    /// Makes a folder the jail's user can write to (and nobody else), or one the jail can read when `writable` is false.
    static func prepare(_ folder: URL, writable: Bool) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: writable ? 0o700 : 0o755], ofItemAtPath: folder.path)
        if writable { try handToJail(folder) }
    }

    /// Writes a file for the jail: readable by the jail's user only when `privateToJail`, else by anyone.
    static func write(_ text: String, to file: URL, privateToJail: Bool) throws {
        try Data(text.utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: privateToJail ? 0o600 : 0o644], ofItemAtPath: file.path)
        if privateToJail { try handToJail(file) }
    }

    /// Gives a file or folder to the jail's user when orchestrate is root (otherwise the jail runs as its owner).
    private static func handToJail(_ item: URL) throws {
        guard isRoot else { return }
        try FileManager.default.setAttributes(
            [.ownerAccountID: NSNumber(value: unprivilegedUser), .groupOwnerAccountID: NSNumber(value: unprivilegedUser)],
            ofItemAtPath: item.path
        )
    }

    /// Finds a jail once: `bwrap` on the path, a `python3` under `/usr`, and a jailed `python3` that answers.
    actor Probe {
        static let shared = Probe()
        private var known: Result<CodeSandbox, CodeSandboxUnavailable>?

        func result() async -> Result<CodeSandbox, CodeSandboxUnavailable> {
            if let known { return known }
            let result = await probe()
            known = result
            return result
        }

        private func probe() async -> Result<CodeSandbox, CodeSandboxUnavailable> {
            let search = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin", "/bin"]
            guard search.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/bwrap") }) else {
                return .failure(CodeSandboxUnavailable(reason: "bubblewrap (bwrap) is not installed"))
            }
            guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
                return .failure(CodeSandboxUnavailable(reason: "no python3 under /usr for the jail to run"))
            }
            let sandbox = CodeSandbox(python: python)
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrate-probe-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: base) }
            do {
                try CodeSandbox.prepare(base, writable: false)
                let scratch = base.appendingPathComponent("work")
                let harness = base.appendingPathComponent("harness")
                try CodeSandbox.prepare(scratch, writable: true)
                try CodeSandbox.prepare(harness, writable: false)
                try CodeSandbox.write(
                    "import os\nprint('jailed', os.getuid())\n",
                    to: harness.appendingPathComponent("probe.py"),
                    privateToJail: false
                )
                let limits = Limits(memoryMegabytes: 256, cpuSeconds: 5)
                let (executable, arguments) = sandbox.command(program: "/harness/probe.py", scratch: scratch, harness: harness, limits: limits)
                let outcome = try await Subprocess.run(executable, arguments, directory: base, timeoutSeconds: 20)
                guard outcome.status == 0, outcome.output.hasPrefix("jailed") else {
                    let said = outcome.error.split(separator: "\n").first.map { String($0.prefix(200)) } ?? "exit status \(outcome.status)"
                    return .failure(CodeSandboxUnavailable(reason: "bubblewrap could not make a jail here: \(said)"))
                }
                return .success(sandbox)
            } catch {
                return .failure(CodeSandboxUnavailable(reason: "the jail could not be prepared: \(error)"))
            }
        }
    }
}

/// Why code cannot be run jailed on this machine.
public struct CodeSandboxUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
