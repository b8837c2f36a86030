/// Tests a code task's answers must pass: Python that runs after the answer's code, failing by raising.
public struct CodeTests: Sendable, Codable, Equatable {
    /// The language of the answer and the tests; `python` is the one supported.
    public var language: String
    /// The test code, such as `assert add(2, 3) == 5`.
    public var source: String
    /// Wall-clock limit of one test run.
    public var timeoutSeconds: Double
    /// Address-space limit of the test process.
    public var memoryMegabytes: Int

    public init(language: String = "python", source: String, timeoutSeconds: Double = 10, memoryMegabytes: Int = 512) {
        self.language = language
        self.source = source
        self.timeoutSeconds = timeoutSeconds
        self.memoryMegabytes = memoryMegabytes
    }

    /// The languages tests can run in.
    public static let languages = ["python"]
}
