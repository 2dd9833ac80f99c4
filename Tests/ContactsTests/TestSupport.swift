import Foundation
import SiaranTestSupport
import Testing

/// Paths and temporary folders for the Contacts tests.
enum TestSupport {
    /// `Tests/ContactsTests/`, found from this file so tests run from any working directory.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// The package root (where `.venv` lives).
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String {
        testsDirectory.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    /// A fresh folder under the system temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-contacts-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a Python script from `Scripts/` with the shared venv's interpreter; returns its standard output.
    static func runPython(_ script: String, arguments: [String]) async throws -> Data {
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        let scriptPath = testsDirectory.appendingPathComponent("Scripts").appendingPathComponent(script).path
        let finished = try await runProgram(python, [scriptPath] + arguments)
        guard finished.status == 0 else {
            throw PythonFailure(message: "\(script) exited with \(finished.status): \(finished.errorText)")
        }
        return finished.output
    }

    struct PythonFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
