/// Hand-written JSON for the few shapes written on every run and every message (decision candidates, prompts),
/// where `JSONEncoder` was a tenth of the executor's time. Output is valid JSON with keys in sorted order, as
/// `JSONEncoder` with `.sortedKeys` writes them; readers decode it with `JSONDecoder` as before.
enum JSONText {
    /// A JSON string literal: quotes, backslashes and control characters escaped, byte by byte over UTF-8
    /// (multi-byte sequences are copied as they are).
    static func string(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case UInt8(ascii: "\n"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8)
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0xF)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A finite number as JSON (shortest round-trip form); non-finite values, which JSON cannot hold, as 0.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `["…", …]`.
    static func strings(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ",") + "]"
    }

    /// `[{"name": …, "probability": …}, …]`.
    static func candidates(_ candidates: [Decision.Candidate]) -> String {
        "[" + candidates.map { "{\"name\":\(string($0.name)),\"probability\":\(number($0.probability))}" }.joined(separator: ",") + "]"
    }

    /// `[{"content": …, "role": …}, …]`.
    static func messages(_ messages: [ChatMessage]) -> String {
        "[" + messages.map { "{\"content\":\(string($0.content)),\"role\":\(string($0.role.rawValue))}" }.joined(separator: ",") + "]"
    }
}
