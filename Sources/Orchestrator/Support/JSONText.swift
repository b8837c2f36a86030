/// Hand-written JSON for the few shapes written on every run and every message (decision candidates, prompts),
/// where `JSONEncoder` was a tenth of the executor's time. Output is valid JSON with keys in sorted order, as
/// `JSONEncoder` with `.sortedKeys` writes them; readers decode it with `JSONDecoder` as before.
package enum JSONText {
    /// A JSON string literal: quotes, backslashes and control characters escaped, byte by byte over UTF-8
    /// (multi-byte sequences are copied as they are).
    package static func string(_ text: String) -> String {
        var text = text
        // Contiguous UTF-8 (native strings already are): read through a buffer, not an iterator.
        return text.withUTF8 { string(utf8: $0) }
    }

    private static func string(utf8 text: UnsafeBufferPointer<UInt8>) -> String {
        var escapedLength = 2
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): escapedLength += 2
            case 0..<0x20: escapedLength += 6
            default: escapedLength += 1
            }
        }
        // Written straight into the string's storage, its length counted first.
        return String(unsafeUninitializedCapacity: escapedLength) { buffer in
            var index = 0
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index += 1
            }
            put(UInt8(ascii: "\""))
            for byte in text {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    put(UInt8(ascii: "\\"))
                    put(byte)
                case UInt8(ascii: "\n"):
                    put(UInt8(ascii: "\\"))
                    put(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"):
                    put(UInt8(ascii: "\\"))
                    put(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"):
                    put(UInt8(ascii: "\\"))
                    put(UInt8(ascii: "t"))
                case 0..<0x20:
                    for escape in "\\u00".utf8 { put(escape) }
                    put(hexDigits[Int(byte >> 4)])
                    put(hexDigits[Int(byte & 0xF)])
                default:
                    put(byte)
                }
            }
            put(UInt8(ascii: "\""))
            return index
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A finite number as JSON (shortest round-trip form); non-finite values, which JSON cannot hold, as 0.
    package static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `["…", …]`.
    package static func strings(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ",") + "]"
    }

    /// `[{"name": …, "probability": …}, …]`.
    static func candidates(_ candidates: [Decision.Candidate]) -> String {
        var json = "["
        json.reserveCapacity(candidates.count * 48)
        for (index, candidate) in candidates.enumerated() {
            json += index == 0 ? "{\"name\":" : ",{\"name\":"
            json += string(candidate.name)
            json += ",\"probability\":"
            json += number(candidate.probability)
            json += "}"
        }
        return json + "]"
    }

    /// `[{"content": …, "role": …}, …]`.
    static func messages(_ messages: [ChatMessage]) -> String {
        "[" + messages.map { "{\"content\":\(string($0.content)),\"role\":\(string($0.role.rawValue))}" }.joined(separator: ",") + "]"
    }
}
