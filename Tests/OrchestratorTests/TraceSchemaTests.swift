import Foundation
import GRDB
import OrchestratorTestSupport
import Testing

@testable import Orchestrator

/// The SQLite store's migrations build exactly the engine-neutral schema (`TraceSchema`) another engine is made from.
@Suite(.timeLimit(.minutes(5))) struct TraceSchemaTests {
    /// A column as SQLite reports it: name, declared type, NOT NULL, default, place in the primary key (0: none).
    struct Reported: Equatable, CustomStringConvertible {
        var name: String
        var type: String
        var notNull: Bool
        var defaultValue: String?
        var primaryKeyPlace: Int

        var description: String { "\(name) \(type)\(notNull ? " NOT NULL" : "")\(defaultValue.map { " DEFAULT \($0)" } ?? "") pk\(primaryKeyPlace)" }
    }

    static func expected(_ table: TraceSchema.Table) -> [Reported] {
        let id = table.autoIncrementedID ? [Reported(name: "id", type: "INTEGER", notNull: false, defaultValue: nil, primaryKeyPlace: 1)] : []
        return id
            + table.columns.map { column in
                Reported(
                    name: column.name,
                    type: column.type.rawValue,
                    notNull: column.notNull,
                    defaultValue: column.defaultValue,
                    primaryKeyPlace: (table.primaryKey.firstIndex(of: column.name) ?? -1) + 1
                )
            }
    }

    @Test func theMigrationsBuildExactlyTheDescribedTables() async throws {
        let store = try TraceStore.inMemory()
        try await store.writer.read { db in
            let tables = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name"
            )
            #expect(tables == TraceSchema.tables.map(\.name).sorted())
            let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            #expect(migrations.last == TraceSchema.version)
            for table in TraceSchema.tables {
                let reported = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { row in
                    Reported(
                        name: row["name"],
                        type: row["type"],
                        notNull: row["notnull"],
                        defaultValue: row["dflt_value"],
                        primaryKeyPlace: row["pk"]
                    )
                }
                #expect(reported == Self.expected(table), "table \(table.name)")
                let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(table.name))").map { row -> String in
                    let (target, from, to, onDelete): (String, String, String, String) = (row["table"], row["from"], row["to"], row["on_delete"])
                    return "\(from) → \(target).\(to) \(onDelete)"
                }
                let described = table.columns.compactMap { column in column.references.map { "\(column.name) → \($0).id CASCADE" } }
                #expect(Set(foreignKeys) == Set(described), "foreign keys of \(table.name)")
                let indexes = try Row.fetchAll(db, sql: "PRAGMA index_list(\(table.name))").filter { $0["origin"] == "c" }
                let indexed = try indexes.map { index -> [String] in
                    let name: String = index["name"]
                    return try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name])
                }
                #expect(Set(indexed) == Set(table.indexed.map { [$0] }), "indexes of \(table.name)")
            }
        }
    }
}
