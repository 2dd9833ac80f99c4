/// A configuration file that cannot be used, with every problem found in it.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One problem at one place in the file.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        /// 1-based; 0 when the problem is not at one place (e.g. an environment variable).
        public var line: Int
        public var column: Int
        public var message: String

        /// `FILE:LINE:COL: message`, the form editors and CI logs understand.
        public var description: String {
            line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
        }
    }

    public var issues: [Issue]

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
