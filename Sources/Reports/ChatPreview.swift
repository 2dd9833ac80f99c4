internal import CSiaranCairo
internal import CSiaranWebP
public import Foundation

/// `preview.png`: the message as the recipient will see it, an outgoing WhatsApp-style chat
/// bubble with the campaign picture scaled into it, so staff can approve a campaign at a glance.
public struct ChatPreview: Sendable {
    /// The campaign picture.
    public enum Picture: Sendable {
        /// Decoded pixels, 8-bit RGBA rows (what the Media stage produces for any format).
        case pixels(width: Int, height: Int, rgba: [UInt8])
        /// A file: PNG and WebP are drawn; other formats (JPEG: pass `.pixels` from the Media stage)
        /// show a framed placeholder with the file's name.
        case file(String)
    }

    public var text: String
    public var picture: Picture?
    /// Shown in the chat's title bar (the business's name).
    public var title: String
    /// The time printed in the bubble.
    public var time: Date
    public var timeZone: TimeZone

    public init(text: String, picture: Picture?, title: String, time: Date, timeZone: TimeZone) {
        self.text = text
        self.picture = picture
        self.title = title
        self.time = time
        self.timeZone = timeZone
    }

    static let width = 400.0
    static let scale = 2.0
    static let bubbleWidth = 300.0
    static let padding = 8.0
    static let fontSize = 13.0
    static let lineHeight = 18.0

    /// Draws the preview and writes it atomically as PNG; `campaign` names it in errors.
    public func write(to path: String, campaign: String) throws {
        let temporary = AtomicFileOutput.temporaryPath(for: path)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // Lines are measured on a scratch surface first: the height depends on them.
            let measure = try CairoCanvas(imageWidth: 1, height: 1)
            let textWidth = Self.bubbleWidth - 2 * Self.padding - 4
            // As WhatsApp shows it: *bold*, _italic_, ~strike~ and ```mono``` without their markers.
            let lines = Array(measure.wrap(WhatsAppText.runs(text), maxWidth: textWidth, size: Self.fontSize).prefix(60))
            let image = try loadPicture()
            defer { if let image { cairo_surface_destroy(image.surface) } }
            // Without a picture the bubble hugs its text, as in the app.
            let widest = lines.map { measure.width($0, size: Self.fontSize) }.max() ?? 0
            let bubbleWidth = picture == nil ? min(Self.bubbleWidth, max(130, widest + 2 * Self.padding + 8)) : Self.bubbleWidth
            let pictureSize = pictureSize(image)
            let bubbleHeight = Self.padding + (pictureSize.map { $0.height + 6 } ?? 0) + Double(lines.count) * Self.lineHeight + 20
            let height = 56 + 16 + bubbleHeight + 24
            let canvas = try CairoCanvas(imageWidth: Int(Self.width * Self.scale), height: Int((height * Self.scale).rounded(.up)))
            cairo_scale(canvas.context, Self.scale, Self.scale)
            draw(canvas, lines: lines, image: image, pictureSize: pictureSize, bubbleWidth: bubbleWidth, bubbleHeight: bubbleHeight, height: height)
            try canvas.check()
            try canvas.writePNG(temporary)
        } catch let error as CairoCanvasError {
            unlink(temporary)
            throw ReportsError(.drawing(reason: error.reason), campaign: campaign, file: path)
        } catch {
            unlink(temporary)
            throw error
        }
        try AtomicFileOutput.moveIntoPlace(temporary, path, campaign: campaign)
    }

    /// A decoded picture as a cairo surface, or nil for a placeholder.
    private func loadPicture() throws(CairoCanvasError) -> (surface: OpaquePointer, width: Int, height: Int)? {
        switch picture {
        case nil:
            return nil
        case .pixels(let width, let height, let rgba):
            return Self.surface(width: width, height: height, rgba: rgba)
        case .file(let path) where path.lowercased().hasSuffix(".webp"):
            return Self.webp(path)
        case .file(let path):
            guard path.lowercased().hasSuffix(".png"), let surface = cairo_image_surface_create_from_png(path) else { return nil }
            guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { cairo_surface_destroy(surface); return nil }
            return (surface, Int(cairo_image_surface_get_width(surface)), Int(cairo_image_surface_get_height(surface)))
        }
    }

    /// Decodes a WebP file (at most 40 MB and 8192 pixels a side; anything else is a placeholder).
    static func webp(_ path: String) -> (surface: OpaquePointer, width: Int, height: Int)? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int), size > 0, size <= 40 << 20,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.withUnsafeBytes { raw -> (surface: OpaquePointer, width: Int, height: Int)? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var width: Int32 = 0, height: Int32 = 0
            guard WebPGetInfo(base, raw.count, &width, &height) != 0, width > 0, height > 0, width <= 8192, height <= 8192,
                  let pixels = WebPDecodeRGBA(base, raw.count, &width, &height) else { return nil }
            defer { WebPFree(pixels) }
            let rgba = Array(UnsafeBufferPointer(start: pixels, count: Int(width) * Int(height) * 4))
            return surface(width: Int(width), height: Int(height), rgba: rgba)
        }
    }

    /// RGBA bytes as a cairo image surface.
    static func surface(width: Int, height: Int, rgba: [UInt8]) -> (surface: OpaquePointer, width: Int, height: Int)? {
        guard width > 0, height > 0, width <= 8192, height <= 8192, rgba.count >= width * height * 4,
              let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { cairo_surface_destroy(surface); return nil }
        // cairo wants premultiplied native-endian ARGB words.
        for y in 0..<height {
            let row = UnsafeMutableRawPointer(data.advanced(by: y * stride)).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                let i = (y * width + x) * 4
                let a = UInt32(rgba[i + 3])
                let r = UInt32(rgba[i]) * a / 255, g = UInt32(rgba[i + 1]) * a / 255, b = UInt32(rgba[i + 2]) * a / 255
                row[x] = a << 24 | r << 16 | g << 8 | b
            }
        }
        cairo_surface_mark_dirty(surface)
        return (surface, width, height)
    }

    private func pictureSize(_ image: (surface: OpaquePointer, width: Int, height: Int)?) -> (width: Double, height: Double)? {
        let inner = Self.bubbleWidth - 2 * 4
        guard let image else { return picture == nil ? nil : (inner, 120) }
        let height = min(360, inner * Double(image.height) / Double(max(1, image.width)))
        return (inner, max(40, height))
    }

    private func draw(_ canvas: CairoCanvas, lines: [CairoCanvas.StyledLine], image: (surface: OpaquePointer, width: Int, height: Int)?,
                      pictureSize: (width: Double, height: Double)?, bubbleWidth: Double, bubbleHeight: Double, height: Double) {
        let cr = canvas.context
        canvas.fillRect(0, 0, Self.width, height, ReportColor(0xECE5DD))
        // Wallpaper dots, faint, as in the app.
        canvas.color(ReportColor(0xD9D0C5), alpha: 0.6)
        var y = 60.0
        while y < height {
            var x = (Int(y) / 20) % 2 == 0 ? 10.0 : 30.0
            while x < Self.width { cairo_arc(cr, x, y, 1.5, 0, 2 * .pi); cairo_fill(cr); x += 40 }
            y += 20
        }
        canvas.fillRect(0, 0, Self.width, 56, .brand)
        canvas.fillRoundedRect(12, 12, 32, 32, radius: 16, ReportColor(0xDFE5E7))
        canvas.text(String(title.prefix(1)).uppercased(), x: 28, y: 33, size: 15, bold: true, color: .brand, align: .center)
        canvas.text(title, x: 54, y: 33, size: 15, bold: true, color: .white, maxWidth: Self.width - 70)

        let left = Self.width - 12 - bubbleWidth, top = 72.0
        // Bubble with its tail at the top right.
        canvas.color(ReportColor(0xDCF8C6))
        canvas.roundedRect(left, top, bubbleWidth, bubbleHeight, radius: 8)
        cairo_fill(cr)
        cairo_move_to(cr, left + bubbleWidth - 10, top)
        cairo_line_to(cr, left + bubbleWidth + 8, top)
        cairo_line_to(cr, left + bubbleWidth, top + 10)
        cairo_close_path(cr)
        cairo_fill(cr)

        var cursor = top + 4
        if let size = pictureSize {
            let x = left + 4
            canvas.save()
            canvas.clip(x, cursor, size.width, size.height, radius: 6)
            if let image {
                let scale = max(size.width / Double(image.width), size.height / Double(image.height))
                cairo_translate(cr, x + (size.width - Double(image.width) * scale) / 2, cursor + (size.height - Double(image.height) * scale) / 2)
                cairo_scale(cr, scale, scale)
                cairo_set_source_surface(cr, image.surface, 0, 0)
                cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
                cairo_paint(cr)
            } else {
                canvas.fillRect(x, cursor, size.width, size.height, ReportColor(0xC9D3CB))
                if case .file(let path) = picture {
                    canvas.text("🖼", x: x + size.width / 2, y: cursor + size.height / 2 - 4, size: 28, align: .center)
                    canvas.text((path as NSString).lastPathComponent, x: x + size.width / 2, y: cursor + size.height / 2 + 24, size: 11,
                                color: .muted, align: .center, maxWidth: size.width - 20)
                }
            }
            canvas.restore()
            cursor += size.height + 6
        }
        cursor += Self.lineHeight - 4
        for line in lines {
            canvas.text(line, x: left + Self.padding + 2, y: cursor, size: Self.fontSize, color: ReportColor(0x111B21))
            cursor += Self.lineHeight
        }
        var dates = LocalTimeFormatter(timeZone: timeZone)
        let t = dates.fields(time)
        let stamp = "\(LocalTimeFormatter.pad(t.hour)):\(LocalTimeFormatter.pad(t.minute))"
        let right = left + bubbleWidth - 8
        let bottom = top + bubbleHeight - 7
        canvas.text("✓✓", x: right, y: bottom, size: 10, bold: true, color: ReportColor(0x53BDEB), align: .right)
        canvas.text(stamp, x: right - 20, y: bottom, size: 10, color: ReportColor(0x667781), align: .right)
    }
}
