import Foundation

/// Writes a line to standard error (messages for people, kept out of piped output).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

enum ProcessInfoEnvironment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
