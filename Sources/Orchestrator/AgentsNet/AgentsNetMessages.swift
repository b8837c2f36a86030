import Foundation

/// Reads what an AgentsNet agent wrote: its messages (a JSON object keyed by neighbour name), the `key=value`
/// claims inside a message, and its final answer after `### Final Answer ###`.
public enum AgentsNetMessages {
    /// The first JSON object in the text whose values are all strings; nil when there is none.
    ///
    /// Bounded for untrusted replies: only the last `UntrustedText.scannedCharacters` are read, at most
    /// `UntrustedText.jsonCandidates` opening braces are tried, and the JSON parser stops at its depth limit.
    public static func outgoing(in response: String) -> [String: String]? {
        let characters = Array(UntrustedText.window(response).text)
        var tried = 0
        for start in characters.indices where characters[start] == "{" {
            tried += 1
            if tried > UntrustedText.jsonCandidates { return nil }
            var depth = 0
            var inString = false
            var escaped = false
            for end in start..<characters.count {
                let character = characters[end]
                if inString {
                    if escaped {
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        inString = false
                    }
                    continue
                }
                if character == "\"" { inString = true }
                if character == "{" { depth += 1 }
                if character == "}" {
                    depth -= 1
                    if depth == 0 {
                        if let object = stringObject(String(characters[start...end])) { return object }
                        break
                    }
                }
            }
        }
        return nil
    }

    static func stringObject(_ text: String) -> [String: String]? {
        guard case .object(let fields)? = try? JSONValue.parse(text) else { return nil }
        var result: [String: String] = [:]
        for (key, value) in fields {
            guard case .string(let message) = value else { return nil }
            result[key] = message
        }
        return result
    }

    /// The text of a JSON object of messages, keys sorted.
    public static func render(_ messages: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(messages)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// `key=value` pairs of a message, separated by `;` or new lines; later keys win.
    public static func claims(in message: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in message.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let key = pieces[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !key.contains(" "), !value.isEmpty else { continue }
            result[key] = value
        }
        return result
    }

    /// The final answer: the longest valid option right after the last `### Final Answer ###`.
    public static func finalAnswer(in response: String, valid: [String]) -> String? {
        guard let marker = response.range(of: "### Final Answer ###", options: .backwards) else { return nil }
        let rest = response[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        return valid.sorted { $0.count > $1.count }.first { option in
            guard rest.hasPrefix(option) else { return false }
            let after = rest.dropFirst(option.count).first
            return after.map { !$0.isLetter && !$0.isNumber } ?? true
        }
    }
}
