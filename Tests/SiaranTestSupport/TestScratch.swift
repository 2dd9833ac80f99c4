public import Foundation
import Glibc

/// One folder per test run for the temporary folders tests make (`/tmp/siaran-tests-<pid>/`),
/// removed by a watchdog when the run ends, however it ends. Tests that keep their harness for
/// their whole body make their folders here instead of removing each one themselves: before, the
/// pipeline harness and the SQLite test databases left about 80 MB in /tmp per run.
public enum TestScratch {
    private static let run: (folder: URL, watchdog: Watchdog?) = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-tests-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (folder, try? Watchdog(cleanup: "rm -rf '\(folder.path)'"))
    }()

    /// A new folder's URL inside the run's folder (not created): `<prefix>-<UUID>`.
    public static func folder(_ prefix: String) -> URL {
        run.folder.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    }
}
