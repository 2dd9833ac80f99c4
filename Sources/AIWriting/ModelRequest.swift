/// One question to a language model: a system prompt, the conversation so far, and the JSON
/// object the answer must be. Providers differ in how they are asked for structured output (a
/// forced tool call for Anthropic, a `json_schema` response format for OpenAI); this type does not.
public struct ModelRequest: Sendable, Equatable {
    public struct Turn: Sendable, Equatable {
        public enum Role: String, Sendable { case user, assistant }
        public var role: Role
        public var text: String

        public init(_ role: Role, _ text: String) {
            self.role = role
            self.text = text
        }
    }

    public var system: String
    public var turns: [Turn]
    public var output: OutputSchema

    public init(system: String, turns: [Turn], output: OutputSchema) {
        self.system = system
        self.turns = turns
        self.output = output
    }
}

/// The JSON object an answer must be: a name (`[a-zA-Z0-9_-]`, at most 64), a description the
/// model reads, and a JSON Schema written for OpenAI's strict mode (every property required,
/// `additionalProperties: false`), which Anthropic's tool input schemas also accept.
public struct OutputSchema: Sendable, Equatable {
    public var name: String
    public var description: String
    public var schema: JSONValue

    public init(name: String, description: String, schema: JSONValue) {
        self.name = name
        self.description = description
        self.schema = schema
    }

    /// `{"variants": [{"text": "…"}, …]}`: the messages a writing request answers with.
    public static let variants = OutputSchema(
        name: "message_variants",
        description: "The WhatsApp message variants, each a complete message text.",
        schema: [
            "type": "object",
            "properties": [
                "variants": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": ["text": ["type": "string", "description": "The whole message, WhatsApp formatting only."]],
                        "required": ["text"],
                        "additionalProperties": false,
                    ],
                ],
            ],
            "required": ["variants"],
            "additionalProperties": false,
        ]
    )

    /// `{"variants": [{"text": "…", "changes": ["…"]}]}`: improved texts, and what changed in each.
    public static let improvements = OutputSchema(
        name: "improved_variants",
        description: "The improved message for each variant given, in the same order, with a short list of what changed.",
        schema: [
            "type": "object",
            "properties": [
                "variants": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "text": ["type": "string", "description": "The whole improved message."],
                            "changes": ["type": "array", "items": ["type": "string"], "description": "What was changed and why, one short sentence each."],
                        ],
                        "required": ["text", "changes"],
                        "additionalProperties": false,
                    ],
                ],
            ],
            "required": ["variants"],
            "additionalProperties": false,
        ]
    )

    /// `{"text": "…"}`: a rewritten paragraph.
    public static let paragraph = OutputSchema(
        name: "paragraph",
        description: "The rewritten paragraph.",
        schema: [
            "type": "object",
            "properties": ["text": ["type": "string"]],
            "required": ["text"],
            "additionalProperties": false,
        ]
    )
}

/// What a model answered: the JSON object asked for, and why it stopped.
public struct ModelReply: Sendable, Equatable {
    public var object: JSONValue
    /// The provider's word for why the answer ended (`tool_use`, `end_turn`, `stop`, …).
    public var stopReason: String?
    public var inputTokens: Int?
    public var outputTokens: Int?

    public init(object: JSONValue, stopReason: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.object = object
        self.stopReason = stopReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// A language model Siaran can ask for structured answers.
public protocol LanguageModel: Sendable {
    /// Provider and model for the audit log and pages, e.g. `anthropic claude-sonnet-4-5`.
    var summary: String { get }
    /// Asks once (with the provider's retries for 429 and overload); the answer is the JSON object
    /// that `request.output` describes, not yet checked against it.
    func answer(_ request: ModelRequest) async throws(AIError) -> ModelReply
}
