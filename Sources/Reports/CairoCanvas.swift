internal import CSiaranCairo
import Foundation

/// A colour as 0xRRGGBB.
struct ReportColor: Sendable, Equatable {
    var red, green, blue: Double

    init(_ hex: UInt32) {
        red = Double((hex >> 16) & 0xFF) / 255
        green = Double((hex >> 8) & 0xFF) / 255
        blue = Double(hex & 0xFF) / 255
    }

    static let brand = ReportColor(0x075E54)
    static let brandLight = ReportColor(0x128C7E)
    static let green = ReportColor(0x25D366)
    static let blue = ReportColor(0x34B7F1)
    static let red = ReportColor(0xE53935)
    static let amber = ReportColor(0xF9A825)
    static let grey = ReportColor(0xB0BEC5)
    static let ink = ReportColor(0x1F2933)
    static let muted = ReportColor(0x6B7780)
    static let rule = ReportColor(0xD9DEE2)
    static let zebra = ReportColor(0xF3F6F7)
    static let white = ReportColor(0xFFFFFF)
}

/// Owns a cairo surface and its drawing context (PDF pages or a PNG image) and draws text with
/// DejaVu Sans, switching to Noto Color Emoji for emoji, since cairo's own text API has no
/// font fallback.
final class CairoCanvas {
    let surface: OpaquePointer
    let context: OpaquePointer
    private var currentFace: (emoji: Bool, bold: Bool, italic: Bool, mono: Bool, size: Double)?

    static let textFamily = "DejaVu Sans"
    static let monoFamily = "DejaVu Sans Mono"
    static let emojiFamily = "Noto Color Emoji"

    /// A PDF file of pages `width` × `height` points.
    init(pdf path: String, width: Double, height: Double) throws(CairoCanvasError) {
        guard let surface = cairo_pdf_surface_create(path, width, height) else { throw CairoCanvasError(reason: "no PDF surface") }
        self.surface = surface
        context = cairo_create(surface)
        try check()
    }

    /// An image of `width` × `height` pixels (ARGB).
    init(imageWidth width: Int, height: Int) throws(CairoCanvasError) {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw CairoCanvasError(reason: "no image surface")
        }
        self.surface = surface
        context = cairo_create(surface)
        try check()
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    func check() throws(CairoCanvasError) {
        let status = cairo_status(context)
        if status != CAIRO_STATUS_SUCCESS { throw CairoCanvasError(reason: String(cString: cairo_status_to_string(status))) }
        let surfaceStatus = cairo_surface_status(surface)
        if surfaceStatus != CAIRO_STATUS_SUCCESS { throw CairoCanvasError(reason: String(cString: cairo_status_to_string(surfaceStatus))) }
    }

    /// Ends a PDF page and starts the next.
    func showPage() { cairo_show_page(context) }

    /// Sets the size of the PDF page about to be drawn (before anything is drawn on it).
    func setPDFPageSize(width: Double, height: Double) { cairo_pdf_surface_set_size(surface, width, height) }

    /// Writes the PDF (or finishes the surface) and reports any error cairo kept.
    func finish() throws(CairoCanvasError) {
        cairo_surface_finish(surface)
        try check()
    }

    func writePNG(_ path: String) throws(CairoCanvasError) {
        cairo_surface_flush(surface)
        let status = cairo_surface_write_to_png(surface, path)
        if status != CAIRO_STATUS_SUCCESS { throw CairoCanvasError(reason: String(cString: cairo_status_to_string(status))) }
    }

    // MARK: Shapes

    func color(_ c: ReportColor, alpha: Double = 1) { cairo_set_source_rgba(context, c.red, c.green, c.blue, alpha) }

    func fillRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: ReportColor) {
        color(c)
        cairo_rectangle(context, x, y, w, h)
        cairo_fill(context)
    }

    func roundedRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, radius: Double) {
        let r = min(radius, w / 2, h / 2)
        cairo_new_sub_path(context)
        cairo_arc(context, x + w - r, y + r, r, -.pi / 2, 0)
        cairo_arc(context, x + w - r, y + h - r, r, 0, .pi / 2)
        cairo_arc(context, x + r, y + h - r, r, .pi / 2, .pi)
        cairo_arc(context, x + r, y + r, r, .pi, 3 * .pi / 2)
        cairo_close_path(context)
    }

    func fillRoundedRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, radius: Double, _ c: ReportColor) {
        color(c)
        roundedRect(x, y, w, h, radius: radius)
        cairo_fill(context)
    }

    func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ c: ReportColor, width: Double = 0.5) {
        color(c)
        cairo_set_line_width(context, width)
        cairo_move_to(context, x1, y1)
        cairo_line_to(context, x2, y2)
        cairo_stroke(context)
    }

    /// A ring segment from `start` to `end` radians (a donut chart slice).
    func ringSegment(cx: Double, cy: Double, outer: Double, inner: Double, start: Double, end: Double, _ c: ReportColor) {
        color(c)
        cairo_new_path(context)
        cairo_arc(context, cx, cy, outer, start, end)
        cairo_arc_negative(context, cx, cy, inner, end, start)
        cairo_close_path(context)
        cairo_fill(context)
    }

    func save() { cairo_save(context) }
    func restore() { cairo_restore(context) }

    func clip(_ x: Double, _ y: Double, _ w: Double, _ h: Double, radius: Double = 0) {
        if radius > 0 { roundedRect(x, y, w, h, radius: radius) } else { cairo_rectangle(context, x, y, w, h) }
        cairo_clip(context)
    }

    // MARK: Text

    enum Alignment { case left, center, right }

    func face(emoji: Bool, bold: Bool, italic: Bool = false, mono: Bool = false, size: Double) {
        if let current = currentFace, current.emoji == emoji, current.bold == bold, current.italic == italic, current.mono == mono,
           current.size == size { return }
        cairo_select_font_face(context, emoji ? Self.emojiFamily : mono ? Self.monoFamily : Self.textFamily,
                               italic && !emoji ? CAIRO_FONT_SLANT_OBLIQUE : CAIRO_FONT_SLANT_NORMAL,
                               bold && !emoji ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        // Noto Color Emoji is a bitmap font drawn a little larger than its em box; shrink it to sit on the line.
        cairo_set_font_size(context, emoji ? size * 0.85 : size)
        currentFace = (emoji, bold, italic, mono, size)
    }

    /// Splits text into runs drawn with the text font and runs drawn with the emoji font.
    static func runs(_ text: String) -> [(text: String, emoji: Bool)] {
        var runs: [(text: String, emoji: Bool)] = []
        var current = String.UnicodeScalarView()
        var currentIsEmoji = false
        for scalar in text.unicodeScalars {
            let joiner = scalar.value == 0x200D || scalar.value == 0xFE0F || (0x1F3FB...0x1F3FF).contains(scalar.value)
            let isEmoji = joiner ? currentIsEmoji : Self.isEmoji(scalar)
            if isEmoji != currentIsEmoji && !current.isEmpty {
                runs.append((String(current), currentIsEmoji))
                current = String.UnicodeScalarView()
            }
            currentIsEmoji = isEmoji
            current.append(scalar)
        }
        if !current.isEmpty { runs.append((String(current), currentIsEmoji)) }
        return runs
    }

    static func isEmoji(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x2300 { return false }
        let properties = scalar.properties
        return properties.isEmojiPresentation || (scalar.value >= 0x1F000 && properties.isEmoji)
            || (0x2600...0x27BF).contains(scalar.value) && properties.isEmoji
    }

    func hasEmoji(_ text: String) -> Bool { text.unicodeScalars.contains { $0.value >= 0x2300 && Self.isEmoji($0) } }

    /// Width of `text` in points.
    func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        if !hasEmoji(text) { return plainWidth(text, emoji: false, size: size, bold: bold) }
        return Self.runs(text).reduce(0) { $0 + plainWidth($1.text, emoji: $1.emoji, size: size, bold: bold) }
    }

    private func plainWidth(_ text: String, emoji: Bool, size: Double, bold: Bool) -> Double {
        face(emoji: emoji, bold: bold, size: size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// Draws one line of text with its baseline at `y`; cut with "…" to fit `maxWidth`.
    /// Returns the width drawn.
    @discardableResult
    func text(_ value: String, x: Double, y: Double, size: Double, bold: Bool = false, color c: ReportColor = .ink,
              align: Alignment = .left, maxWidth: Double? = nil) -> Double {
        var text = value.contains(where: \.isNewline) ? value.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ") : value
        var width = self.width(text, size: size, bold: bold)
        if let maxWidth, width > maxWidth {
            text = fitted(text, maxWidth: maxWidth, size: size, bold: bold)
            width = self.width(text, size: size, bold: bold)
        }
        let start: Double
        switch align {
        case .left: start = x
        case .center: start = x - width / 2
        case .right: start = x - width
        }
        color(c)
        cairo_move_to(context, start, y)
        if !hasEmoji(text) {
            face(emoji: false, bold: bold, size: size)
            cairo_show_text(context, text)
        } else {
            for run in Self.runs(text) {
                face(emoji: run.emoji, bold: bold, size: size)
                cairo_show_text(context, run.text)
            }
        }
        return width
    }

    /// The longest prefix of `text` that fits with an ellipsis.
    func fitted(_ text: String, maxWidth: Double, size: Double, bold: Bool) -> String {
        var characters = Array(text)
        let ellipsis = "…"
        var low = 0, high = characters.count
        while low < high {
            let middle = (low + high + 1) / 2
            if width(String(characters[0..<middle]) + ellipsis, size: size, bold: bold) <= maxWidth { low = middle } else { high = middle - 1 }
        }
        characters = Array(characters[0..<low])
        while let last = characters.last, last == " " { characters.removeLast() }
        return String(characters) + ellipsis
    }

    /// Breaks text into lines no wider than `maxWidth`, keeping the message's own line breaks
    /// and cutting words longer than a line.
    func wrap(_ text: String, maxWidth: Double, size: Double, bold: Bool = false) -> [String] {
        var lines: [String] = []
        for paragraph in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if width(candidate, size: size, bold: bold) <= maxWidth {
                    line = candidate
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                var rest = String(word)
                while width(rest, size: size, bold: bold) > maxWidth, rest.count > 1 {
                    var cut = rest.count - 1
                    while cut > 1, width(String(rest.prefix(cut)), size: size, bold: bold) > maxWidth { cut -= 1 }
                    lines.append(String(rest.prefix(cut)))
                    rest = String(rest.dropFirst(cut))
                }
                line = rest
            }
            lines.append(line)
        }
        return lines
    }

    // MARK: Images

    /// Draws a PNG file scaled to fit `w` × `h` (keeping its proportions); returns the size drawn.
    @discardableResult
    func png(_ path: String, x: Double, y: Double, maxWidth w: Double, maxHeight h: Double) -> (width: Double, height: Double)? {
        guard let image = cairo_image_surface_create_from_png(path) else { return nil }
        defer { cairo_surface_destroy(image) }
        return draw(image, x: x, y: y, maxWidth: w, maxHeight: h)
    }

    func draw(_ image: OpaquePointer, x: Double, y: Double, maxWidth w: Double, maxHeight h: Double) -> (width: Double, height: Double)? {
        guard cairo_surface_status(image) == CAIRO_STATUS_SUCCESS else { return nil }
        let iw = Double(cairo_image_surface_get_width(image)), ih = Double(cairo_image_surface_get_height(image))
        guard iw > 0, ih > 0 else { return nil }
        let scale = min(w / iw, h / ih)
        save()
        cairo_translate(context, x, y)
        cairo_scale(context, scale, scale)
        cairo_set_source_surface(context, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_GOOD)
        cairo_paint(context)
        restore()
        return (iw * scale, ih * scale)
    }
}

/// What cairo reported when drawing failed.
struct CairoCanvasError: Error {
    var reason: String
}
