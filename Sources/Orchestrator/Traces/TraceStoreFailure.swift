import Foundation
import GRDB
import PostgresNIO

/// A trace store that could not do what it was asked: which store, what it was doing, why, and the database's own
/// words (never a password, a query or its values). A run whose events cannot be recorded ends with this as its
/// reason, and a request answers 503 while `storeIsDown`; it is never blamed on a model.
public struct TraceStoreFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// Why the store failed.
    public enum Cause: String, Sendable, Equatable {
        /// The server could not be reached, or dropped the connection (PostgreSQL restarting, killed, or away).
        case unreachable
        /// No room left to write (a full disk or a file-size limit).
        case full
        /// No answer within the store's time limit.
        case timedOut = "timed out"
        /// Anything else the database refused.
        case failed
    }

    /// `SQLite` or `PostgreSQL`.
    public var engine: String
    /// Where the store lives: a path, or a URL without its password.
    public var store: String
    /// What the store was asked to do, as a phrase after "could not": "write a run's events", "read runs".
    public var operation: String
    public var cause: Cause
    /// The database's own message.
    public var message: String

    public init(engine: String, store: String, operation: String, cause: Cause, message: String) {
        self.engine = engine
        self.store = store
        self.operation = operation
        self.cause = cause
        self.message = message
    }

    /// Whether nothing can be written until the store is back, rather than this one write being refused.
    public var storeIsDown: Bool { cause != .failed }

    /// How long a client is told to wait before trying again while the store is down.
    public static let retryAfterSeconds = 5

    public var description: String {
        let why: String =
            switch cause {
            case .unreachable: "the server is unreachable"
            case .full: "no space left to write"
            case .timedOut: "no answer in time"
            case .failed: "refused"
            }
        return "trace store \(engine) \(store) could not \(operation): \(why) (\(message))"
    }
}

extension TraceStoreFailure {
    /// Any error of a store operation as a failure of that store; one already classified stays as it is.
    static func classify(_ error: any Error, engine: String, store: String, operation: String) -> TraceStoreFailure {
        if let failure = error as? TraceStoreFailure { return failure }
        let (cause, message) = Self.cause(of: error)
        return TraceStoreFailure(engine: engine, store: store, operation: operation, cause: cause, message: message)
    }

    /// Whether an error is the database's (or the store's bound), rather than a mistake of what was written.
    static func isStoreError(_ error: any Error) -> Bool {
        error is TraceStoreFailure || error is PSQLError || error is DatabaseError || error is TimeLimitExceeded
            || error is TraceStoreError || error is GaveUpBeforeCommit || error is PostgresDecodingError
    }

    /// What an error says of its store, and in what words.
    static func cause(of error: any Error) -> (Cause, String) {
        switch error {
        case is TimeLimitExceeded:
            return (.timedOut, "gave up waiting")
        case let error as PSQLError:
            return (isConnectionLoss(error) ? .unreachable : .failed, postgresMessage(error))
        case let error as DatabaseError:
            let full: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY]
            let message = error.message ?? "\(error.resultCode)"
            return (full.contains(error.resultCode) ? .full : .failed, "SQLite error \(error.extendedResultCode.rawValue): \(message)")
        case let error as TraceStoreError:
            return (.failed, error.description)
        default:
            return (.failed, String(reflecting: error))
        }
    }

    /// Whether a PostgreSQL error means the connection or the server went away, so that the same operation on a
    /// new connection may succeed.
    static func isConnectionLoss(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            // Class 08 (connection exception) and 57P (operator intervention: shutting down, crash recovery).
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        default:
            return false
        }
    }

    /// A PostgreSQL error in the server's words with its SQL state, or the client's code and the underlying cause:
    /// never the query or its values (postgres-nio's own description says only "Generic description…").
    static func postgresMessage(_ error: PSQLError) -> String {
        if let info = error.serverInfo, let message = info[.message] {
            return "\(info[.sqlState].map { "SQLSTATE \($0): " } ?? "")\(message)"
        }
        let underlying = error.underlying.map { ": \(String(reflecting: $0))" } ?? ""
        return "\(error.code)\(underlying)"
    }
}
