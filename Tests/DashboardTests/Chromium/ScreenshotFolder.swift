import Foundation
import Testing

/// Where browser tests put their screenshots: `$SIARAN_SCREENSHOTS` (kept, to look at them) or a
/// temporary folder that `close()` removes.
struct ScreenshotFolder: Sendable {
    let path: String
    let prefix: String
    let isTemporary: Bool

    init(prefix: String) throws {
        self.prefix = prefix
        if let chosen = ProcessInfo.processInfo.environment["SIARAN_SCREENSHOTS"], !chosen.isEmpty {
            path = chosen
            isTemporary = false
        } else {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-screens-\(UUID())").path
            isTemporary = true
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(prefix)-\(name).png" }

    func close() {
        if isTemporary { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// Screen sizes the dashboard is checked at.
enum Device: String, CaseIterable, Sendable {
    case phone, desktop

    var size: (width: Int, height: Int) { self == .phone ? (390, 844) : (1280, 900) }
}

/// Takes screenshots of a page at phone and desktop sizes and checks each one: the PNG has the
/// viewport's size and shows a painted page (many colours, not one flat background).
struct Shooter: Sendable {
    let page: ChromiumPage
    let folder: ScreenshotFolder

    func viewport(_ device: Device) async throws {
        try await page.setViewport(width: device.size.width, height: device.size.height, mobile: device == .phone)
    }

    /// `<prefix>-<name>-phone-<theme>.png` then `…-desktop-…`, each from the top of the page;
    /// the viewport stays at desktop size.
    func both(_ name: String, theme: String) async throws {
        for device in Device.allCases {
            try await viewport(device)
            _ = try await page.evaluate("window.scrollTo(0, 0)")
            let path = folder.file("\(name)-\(device.rawValue)-\(theme)")
            try await page.screenshot(to: path)
            let check = try ScreenshotCheck(path: path)
            #expect(check.width == device.size.width && check.height == device.size.height, "\(path): \(check.width)×\(check.height)")
            #expect(check.colours >= 16 && check.inkShare >= 0.02,
                    "\(path) looks blank: \(check.colours) colours, \(Int(check.inkShare * 100))% away from the background")
        }
    }
}
