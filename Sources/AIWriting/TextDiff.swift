/// A readable line diff: which lines of a message were kept, removed and added (longest common
/// subsequence of lines; messages are short, so the quadratic table is small).
public enum TextDiff {
    public struct Line: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case same, removed, added }
        public var kind: Kind
        public var text: String

        public init(_ kind: Kind, _ text: String) {
            self.kind = kind
            self.text = text
        }

        /// `  kept`, `- removed`, `+ added`.
        public var description: String {
            switch kind {
            case .same: "  " + text
            case .removed: "- " + text
            case .added: "+ " + text
            }
        }
    }

    public static func lines(from old: String, to new: String) -> [Line] {
        let a = split(old), b = split(new)
        // lengths[i][j]: the longest common subsequence of a[i...] and b[j...].
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var result: [Line] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                result.append(Line(.same, a[i])); i += 1; j += 1
            } else if i < a.count, j == b.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                result.append(Line(.removed, a[i])); i += 1
            } else {
                result.append(Line(.added, b[j])); j += 1
            }
        }
        return result
    }

    /// The diff as text, one line each (`- `, `+ `, two spaces).
    public static func render(_ lines: [Line]) -> String {
        lines.map(\.description).joined(separator: "\n")
    }

    private static func split(_ text: String) -> [String] {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
