import Foundation
import Store
import Testing

@Suite("A shared file's lock")
struct FileLockTests {
    @Test("appends and atomic rewrites of one file under its lock lose no line")
    func appendsSurviveRewrites() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-lock-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("optout.txt").path
        try "remove-me\n".write(toFile: path, atomically: true, encoding: .utf8)
        // The recorder's way: open, seek to the end, write one line.
        let appender = Task.detached {
            for index in 0..<300 {
                try FileLock.withExclusiveLock(beside: path) {
                    let handle = try #require(FileHandle(forWritingAtPath: path))
                    _ = try handle.seekToEnd()
                    try handle.write(contentsOf: Data("62813\(String(format: "%07d", index))\nremove-me\n".utf8))
                    try handle.close()
                }
            }
        }
        // The dashboard's way: read, drop a number's lines, write a new file and rename it in place.
        let rewriter = Task.detached {
            for _ in 0..<150 {
                try FileLock.withExclusiveLock(beside: path) {
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    let kept = text.split(separator: "\n").filter { $0 != "remove-me" }.joined(separator: "\n") + "\n"
                    try Data(kept.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                }
            }
        }
        try await appender.value
        try await rewriter.value
        let numbers = Set(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { $0 != "remove-me" })
        #expect(numbers.count == 300, "lines were lost: \(300 - numbers.count)")
    }
}
