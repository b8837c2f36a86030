import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Chat requests sent to `serve` under load, as a client of the OpenAI API would: each a pens-and-boxes sum with its
/// expected answer and a task id of its own.
enum ChatLoad {
    /// One reply: its status (0 when none came within the time allowed), how long it took, its `Retry-After`, its body.
    struct Reply: Sendable {
        var status: Int
        var seconds: Double
        var retryAfter: String?
        var body: String
    }

    /// A client that opens a connection for each request in flight (up to 64; AsyncHTTPClient's default is 8 a host,
    /// and a request that waits longer than its connect timeout for one fails in the client, never reaching `serve`).
    static func client() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Sends `count` chat requests, `inFlight` at a time, the i-th to `bases[i % bases.count]`, each given `timeout`.
    static func send(
        _ count: Int,
        inFlight: Int,
        over bases: [String],
        client: HTTPClient,
        timeout: TimeAmount = .seconds(30)
    ) async
        -> [Reply]
    {
        await withTaskGroup(of: Reply.self) { group in
            var replies: [Reply] = []
            func send(_ index: Int) {
                group.addTask {
                    let query = "A shop packs \(index % 50 + 3) boxes of 12 pens and sells 7 pens. How many pens are left?"
                    var request = HTTPClientRequest(url: "\(bases[index % bases.count])/chat/completions")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    let body: [String: Any] = [
                        "model": "auto", "messages": [["role": "user", "content": query]],
                        "orchestrate": ["expected": String((index % 50 + 3) * 12 - 7), "task_id": "load-\(index)"],
                    ]
                    request.body = .bytes(ByteBuffer(bytes: Array(try! JSONSerialization.data(withJSONObject: body))))
                    let started = ContinuousClock.now
                    do {
                        let response = try await client.execute(request, timeout: timeout)
                        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                        return Reply(
                            status: Int(response.status.code),
                            seconds: seconds(since: started),
                            retryAfter: response.headers.first(name: "Retry-After"),
                            body: text
                        )
                    } catch {
                        return Reply(status: 0, seconds: seconds(since: started), retryAfter: nil, body: "\(error)")
                    }
                }
            }
            var next = 0
            while next < min(inFlight, count) {
                send(next)
                next += 1
            }
            for await reply in group {
                replies.append(reply)
                if next < count {
                    send(next)
                    next += 1
                }
            }
            return replies
        }
    }
}
