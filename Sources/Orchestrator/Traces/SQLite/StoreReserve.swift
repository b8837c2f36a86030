import Foundation

/// Room kept beside a SQLite trace database for the last writes a full disk would refuse: a file of zeros
/// (`<database>-reserve`) made when the store opens and removed when a write first finds the disk full, so that the
/// runs the process had to stop can still be marked as ended rather than left `running`. The store counts as able
/// to write again only once the reserve could be made anew.
struct StoreReserve: Sendable {
    let path: String
    let bytes: Int

    /// Half a megabyte: the end rows of some thousand runs.
    static let defaultBytes = 512 * 1024

    init(databasePath: String, bytes: Int = Self.defaultBytes) {
        path = databasePath + "-reserve"
        self.bytes = bytes
    }

    /// Makes the reserve unless it is there; throws when the disk has no room for it.
    func make() throws {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size >= bytes { return }
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: partial])
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
            defer { try? handle.close() }
            let chunk = Data(count: 64 * 1024)
            for _ in 0..<(bytes + chunk.count - 1) / chunk.count { try handle.write(contentsOf: chunk) }
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }

    /// Gives the reserve's room back to the disk; returns whether there was one.
    @discardableResult
    func release() -> Bool {
        (try? FileManager.default.removeItem(atPath: path)) != nil
    }
}
