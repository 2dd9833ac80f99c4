import CSiaranCairo
import CSiaranQREncode
public import Foundation

/// A linking QR code as terminal text (two rows per character with half blocks) and as a PNG
/// for staff who look at `outbox/sessions/<name>/qr.png` or the dashboard.
public struct QRCodeImage: Sendable {
    /// Modules row by row; true is dark.
    public let modules: [[Bool]]

    /// Encodes `text` (byte mode, error correction L as WhatsApp Web uses); nil if it cannot.
    public init?(_ text: String) {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = code.pointee.data!
        modules = (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    /// Half-block text with a quiet zone; dark modules print as black on a light terminal and
    /// the code is inverted so it also scans from dark terminals.
    public var terminalText: String {
        let size = modules.count, quiet = 2
        func dark(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && y >= 0 && x < size && y < size && modules[y][x]
        }
        var lines: [String] = []
        var y = -quiet
        while y < size + quiet {
            var line = ""
            for x in -quiet..<(size + quiet) {
                // Light modules are drawn (full blocks on a dark background read as white).
                switch (!dark(x, y), !dark(x, y + 1)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
            y += 2
        }
        return lines.joined(separator: "\n")
    }

    /// Writes a PNG with `scale` pixels per module and a 4-module quiet zone.
    public func writePNG(to url: URL, scale: Int = 8) throws {
        let quiet = 4, size = (modules.count + 2 * quiet) * scale
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(size), Int32(size)) else {
            throw WhatsAppError(.storage("cannot draw the QR code"))
        }
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)
        defer { cairo_destroy(context) }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_set_source_rgb(context, 0, 0, 0)
        for (y, row) in modules.enumerated() {
            for (x, dark) in row.enumerated() where dark {
                cairo_rectangle(context, Double((x + quiet) * scale), Double((y + quiet) * scale), Double(scale), Double(scale))
            }
        }
        cairo_fill(context)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        guard cairo_surface_write_to_png(surface, temporary.path) == CAIRO_STATUS_SUCCESS else {
            throw WhatsAppError(.storage("cannot write \(url.path)"))
        }
        // rename(2) replaces an older code atomically, and also works when there is none yet.
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw WhatsAppError(.storage("cannot write \(url.path)"))
        }
    }
}
