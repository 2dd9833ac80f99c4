public import Yams

/// Where a YAML file failed to parse, and why, in the words every Siaran checker uses
/// (`pipeline.yaml` and `autoreply.yaml` alike).
public struct YAMLProblem: Sendable, Equatable {
    /// 1-based; 0 when Yams gives no place.
    public var line: Int
    public var column: Int
    public var message: String

    public init(_ error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            (line, column, message) = (mark.line, mark.column, "YAML syntax error: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            (line, column, message) = (context.mark.line, context.mark.column,
                                       "duplicate key(s) \(duplicates.joined(separator: ", ")) \(context.text); each key may appear once")
        default:
            (line, column, message) = (0, 0, "YAML error: \(error)")
        }
    }
}
