import Foundation

/// An undirected graph of named agents, as AgentsNet runs its tasks on: each agent talks only to its neighbours.
public struct NetworkGraph: Sendable, Equatable {
    /// The graph's name, such as `small-world-8`.
    public var name: String
    /// The family it was drawn from: `small-world`, `scale-free`, `delaunay` or another.
    public var family: String
    /// Agent names, by index; unique.
    public var agents: [String]
    /// Edges as index pairs, each once, smaller index first.
    public var edges: [Edge]
    /// Neighbours of each agent, by index, in ascending order.
    public let neighbours: [[Int]]

    /// An undirected edge.
    public struct Edge: Sendable, Equatable, Hashable {
        public var a: Int
        public var b: Int

        public init(_ a: Int, _ b: Int) {
            self.a = min(a, b)
            self.b = max(a, b)
        }
    }

    public init(name: String, family: String = "custom", agents: [String], edges: [Edge]) {
        self.name = name
        self.family = family
        self.agents = agents
        self.edges = Array(Set(edges)).sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        var neighbours = [[Int]](repeating: [], count: agents.count)
        for edge in self.edges {
            neighbours[edge.a].append(edge.b)
            neighbours[edge.b].append(edge.a)
        }
        self.neighbours = neighbours.map { $0.sorted() }
    }

    /// The number of agents.
    public var order: Int { agents.count }

    /// The largest number of neighbours any agent has.
    public var maxDegree: Int { neighbours.map(\.count).max() ?? 0 }

    /// The index of an agent by name.
    public func index(of name: String) -> Int? { agents.firstIndex(of: name) }

    /// Whether two agents are neighbours.
    public func areNeighbours(_ a: Int, _ b: Int) -> Bool { neighbours[a].contains(b) }

    /// The longest shortest path between two agents (breadth-first search from every agent); the order for a
    /// disconnected graph.
    public var diameter: Int {
        var longest = 0
        for start in 0..<order {
            var distance = [Int](repeating: -1, count: order)
            distance[start] = 0
            var queue = [start]
            var head = 0
            while head < queue.count {
                let node = queue[head]
                head += 1
                for next in neighbours[node] where distance[next] < 0 {
                    distance[next] = distance[node] + 1
                    queue.append(next)
                }
            }
            if distance.contains(-1) { return order }
            longest = max(longest, distance.max() ?? 0)
        }
        return longest
    }
}
