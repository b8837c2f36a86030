import MCP
import Orchestrator

extension MCPToolbox {
    /// The tools, with JSON Schemas of their arguments; `topologies` lists the names `run` accepts as `topology`.
    static func tools(topologies: [String]) -> [Tool] {
        let topology: Value =
            topologies.isEmpty
            ? ["type": "string", "description": "A topology the team must use; omitted: the controller chooses."]
            : [
                "type": "string", "enum": .array(topologies.map { .string($0) }),
                "description": "A topology the team must use; omitted: the controller chooses.",
            ]
        return [
            Tool(
                name: "run",
                title: "Run a task through a team of models",
                description: """
                    Routes the query to a team of language models (topology, agents, roles and models chosen by the \
                    controller unless given), runs it with every message between agents checked, and returns the \
                    answer, its score when an expected answer is given, the cost in US dollars and the run id. Sends a \
                    progress notification as each agent finishes its turn when the call carries a progress token. \
                    Cancelling the call stops the run (recorded as cancelled).
                    """,
                inputSchema: object(
                    [
                        "query": ["type": "string", "description": "The question or instruction."],
                        "expected": ["type": "string", "description": "The expected answer, to score the run (never shown to the agents)."],
                        "answer_kind": ["type": "string", "enum": enumeration(AnswerKind.self), "description": "How answers are compared."],
                        "domain": ["type": "string", "enum": enumeration(Domain.self), "description": "The task's domain; omitted: inferred."],
                        "topology": topology,
                        "agents": ["type": "integer", "minimum": 1, "maximum": .int(Budget.agentLimit), "description": "The number of agents."],
                        "verify": [
                            "type": "string", "enum": enumeration(VerificationPolicy.self),
                            "description": "How messages between agents are checked (default: the server's).",
                        ],
                        "max_cost_usd": ["type": "number", "exclusiveMinimum": 0, "description": "The most the run may spend, in US dollars."],
                        "deadline_seconds": ["type": "number", "exclusiveMinimum": 0, "description": "The most the run may take, in seconds."],
                        "seed": [
                            "type": "integer", "minimum": 0, "description": "Makes the run reproducible: the same query and seed give the same plan.",
                        ],
                        "task_id": ["type": "string", "description": "The task id recorded with the run (default: from the query)."],
                    ],
                    required: ["query"]
                ),
                annotations: .init(title: "Run a task", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true)
            ),
            Tool(
                name: "list_runs",
                title: "List recorded runs",
                description: "The recorded runs, newest first: id, task, status, topology, answer, score, cost.",
                inputSchema: object([
                    "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "description": "How many (default 20)."],
                    "status": ["type": "string", "enum": enumeration(RunStatus.self)],
                    "topology": ["type": "string"],
                    "model": ["type": "string", "description": "Runs where this model answered."],
                    "task_id": ["type": "string"],
                ]),
                annotations: .init(title: "List runs", readOnlyHint: true)
            ),
            Tool(
                name: "show_run",
                title: "Show a recorded run",
                description: "A recorded run's whole trace: the task, the plan with its probabilities, every message, verdict, token and cost.",
                inputSchema: object(["run_id": runIDSchema], required: ["run_id"]),
                annotations: .init(title: "Show a run", readOnlyHint: true)
            ),
            Tool(
                name: "replay_run",
                title: "Replay a recorded run",
                description: """
                    Executes a recorded run's plan again on its recorded responses (no model is called), optionally \
                    under another verification policy, records the replay as a new run and lists what changed.
                    """,
                inputSchema: object(
                    [
                        "run_id": runIDSchema,
                        "verify": ["type": "string", "enum": enumeration(VerificationPolicy.self), "description": "Default: the run's own."],
                    ],
                    required: ["run_id"]
                ),
                annotations: .init(title: "Replay a run", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)
            ),
            Tool(
                name: "feedback",
                title: "Score a recorded run",
                description: "Gives a recorded run a score from 0 (wrong, useless) to 1 (right); the latest feedback counts for training.",
                inputSchema: object(
                    [
                        "run_id": runIDSchema,
                        "score": ["type": "number", "minimum": 0, "maximum": 1],
                        "note": ["type": "string", "maxLength": .int(FeedbackRecord.longestNote)],
                    ],
                    required: ["run_id", "score"]
                ),
                annotations: .init(title: "Give feedback", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)
            ),
        ]
    }

    static let runIDSchema: Value = ["type": "string", "description": "A run id, or its first or last characters (at least 4)."]

    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        var schema: [String: Value] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    static func enumeration<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type) -> Value where Choice.RawValue == String {
        .array(Choice.allCases.map { .string($0.rawValue) })
    }

    /// The argument names each tool accepts: those its schema lists.
    static func allowedArguments(of tool: String) -> Set<String> {
        guard let schema = tools(topologies: []).first(where: { $0.name == tool })?.inputSchema,
            case .object(let fields) = schema, case .object(let properties)? = fields["properties"]
        else { return [] }
        return Set(properties.keys)
    }
}
