import Foundation

/// Each model's measured accuracy per domain, with the number of scored answers behind it: what
/// `orchestrate fleet calibrate` writes from stored runs, and what the prior reads (`Fleet.calibrated(by:)`) in place of
/// a fleet file's declared `quality`.
public struct QualityCalibration: Sendable, Codable, Equatable {
    /// One model's record in one domain.
    public struct Measure: Sendable, Codable, Equatable {
        public var accuracy: Double
        /// Scored answers measured.
        public var answers: Int

        public init(accuracy: Double, answers: Int) {
            self.accuracy = accuracy
            self.answers = answers
        }
    }

    /// The file format.
    public static let formatVersion = 1

    public var formatVersion: Int
    /// Where the answers came from, such as the trace database's path.
    public var source: String
    public var measuredAt: Date
    /// Model name → domain (`Domain` raw value) → measure.
    public var models: [String: [String: Measure]]

    public init(source: String, measuredAt: Date = Date(), models: [String: [String: Measure]]) {
        formatVersion = Self.formatVersion
        self.source = source
        self.measuredAt = measuredAt
        self.models = models
    }

    /// Measures from labelled answers: each answer's model, domain and whether it was right.
    public init(source: String, answers: [(model: String, domain: Domain, correct: Bool)]) {
        var counts: [String: [String: (right: Int, all: Int)]] = [:]
        for answer in answers {
            var entry = counts[answer.model, default: [:]][answer.domain.rawValue] ?? (0, 0)
            entry.all += 1
            if answer.correct { entry.right += 1 }
            counts[answer.model, default: [:]][answer.domain.rawValue] = entry
        }
        self.init(
            source: source,
            models: counts.mapValues { domains in
                domains.mapValues { Measure(accuracy: Double($0.right) / Double($0.all), answers: $0.all) }
            }
        )
    }

    /// Measures from recorded outcomes, graded as runs are scored: every model's outcome on every question, in the
    /// question's domain, models named as `fleet` names them (by `modelID`).
    public init(source: String, recorded: RecordedOutcomes, fleet: Fleet? = nil) {
        let names = fleet?.namesByModelID ?? [:]
        let answers = recorded.regraded().outcomes.items.flatMap { item in
            item.outcomes.map { (model: names[$0.key] ?? $0.key, domain: item.domain, correct: $0.value.correct) }
        }
        self.init(source: source, answers: answers)
    }

    /// Reads a calibration file, naming the file and what is wrong when it cannot.
    public static func load(path: String) throws -> QualityCalibration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CatalogError(file: path, field: nil, problem: "cannot read the file (\(error.localizedDescription))")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let calibration: QualityCalibration
        do {
            calibration = try decoder.decode(QualityCalibration.self, from: data)
        } catch {
            throw CatalogError(file: path, field: nil, problem: "not a quality calibration written by orchestrate fleet calibrate (\(error))")
        }
        guard calibration.formatVersion == formatVersion else {
            throw CatalogError(file: path, field: "formatVersion", problem: "expected \(formatVersion), got \(calibration.formatVersion)")
        }
        for (model, domains) in calibration.models {
            for (domain, measure) in domains {
                guard Domain(rawValue: domain) != nil else {
                    throw CatalogError(
                        file: path,
                        field: "models.\(model).\(domain)",
                        problem: "not a domain (\(Domain.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                guard (0...1).contains(measure.accuracy), measure.answers > 0 else {
                    throw CatalogError(
                        file: path,
                        field: "models.\(model).\(domain)",
                        problem: "expected an accuracy from 0 to 1 over at least one answer"
                    )
                }
            }
        }
        return calibration
    }

    /// The calibration as the file `load` reads.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}

extension Fleet {
    /// The fleet with each model's quality in each domain replaced by the calibration's measure where it rests on at
    /// least `minimumAnswers` answers; the domains of all its measures together give the model's `general` quality
    /// unless the calibration measured `general` itself.
    public func calibrated(by calibration: QualityCalibration, minimumAnswers: Int = 20) -> Fleet {
        var copy = self
        for index in copy.models.indices {
            guard let measures = calibration.models[copy.models[index].name] else { continue }
            var right = 0.0
            var all = 0
            for (name, measure) in measures {
                guard let domain = Domain(rawValue: name), measure.answers >= minimumAnswers else { continue }
                copy.models[index].quality[domain] = measure.accuracy
                right += measure.accuracy * Double(measure.answers)
                all += measure.answers
            }
            if measures[Domain.general.rawValue] == nil, all >= minimumAnswers {
                copy.models[index].quality[.general] = right / Double(all)
            }
        }
        return copy
    }
}
