import Foundation

/// Names that come from a request and become part of a path. Only plain single components
/// pass: no separators, no `..`, no leading dot, no control characters.
enum SafeName {
    static func check(_ name: String, what: String) throws {
        guard isSafe(name) else { throw DashboardError(.badRequest, "\(what) '\(name.prefix(80))' is not a plain name") }
    }

    static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, !name.hasPrefix("."), !name.contains("/"), !name.contains("\\") else { return false }
        return !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }

    /// A folder or file name made from user text: letters, digits, `-`, `_`, `.` kept,
    /// everything else turned into `-`; never empty, never hidden.
    static func sanitize(_ text: String, fallback: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            if CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || "-_.".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasPrefix(".") || out.hasPrefix("-") { out.removeFirst() }
        while out.hasSuffix("-") || out.hasSuffix(".") { out.removeLast() }
        return out.isEmpty ? fallback : out
    }
}
