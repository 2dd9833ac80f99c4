internal import CSiaranCairo

/// Message text drawn as WhatsApp shows it: bold, italic, strike-through and monospace runs
/// (``WhatsAppText``), wrapped by words across runs.
extension CairoCanvas {
    typealias StyledLine = [WhatsAppText.Run]

    /// Width of one run in its style.
    func width(_ run: WhatsAppText.Run, size: Double) -> Double {
        let style = run.style
        var total = 0.0
        for part in hasEmoji(run.text) ? Self.runs(run.text) : [(text: run.text, emoji: false)] {
            face(emoji: part.emoji, bold: style.contains(.bold), italic: style.contains(.italic), mono: style.contains(.mono), size: size)
            var extents = cairo_text_extents_t()
            cairo_text_extents(context, part.text, &extents)
            total += extents.x_advance
        }
        return total
    }

    func width(_ line: StyledLine, size: Double) -> Double { line.reduce(0) { $0 + width($1, size: size) } }

    /// Breaks styled text into lines no wider than `maxWidth`, keeping the message's own line
    /// breaks and cutting words longer than a line, as ``wrap(_:maxWidth:size:bold:)`` does for plain text.
    func wrap(_ runs: [WhatsAppText.Run], maxWidth: Double, size: Double) -> [StyledLine] {
        // One styled character at a time: words may change style midway (`*50%*off`).
        let characters = runs.flatMap { run in run.text.map { ($0, run.style) } }
        func line(_ chars: ArraySlice<(Character, WhatsAppText.Style)>) -> StyledLine {
            var out: StyledLine = []
            for (character, style) in chars {
                if let last = out.last, last.style == style { out[out.count - 1].text.append(character) } else { out.append(.init(String(character), style)) }
            }
            return out
        }
        var lines: [StyledLine] = []
        for paragraph in characters.split(omittingEmptySubsequences: false, whereSeparator: { $0.0 == "\n" || $0.0 == "\r\n" }) {
            // Words with the space before each, in that space's own style (a struck word does not strike the space after it).
            var words: [(space: (Character, WhatsAppText.Style)?, word: [(Character, WhatsAppText.Style)])] = []
            var word: [(Character, WhatsAppText.Style)] = []
            var space: (Character, WhatsAppText.Style)?
            for character in paragraph {
                if character.0 == " " {
                    words.append((space, word))
                    word = []
                    space = character
                } else {
                    word.append(character)
                }
            }
            words.append((space, word))
            var current: [(Character, WhatsAppText.Style)] = []
            for (space, word) in words {
                let candidate = current.isEmpty ? word : current + [space ?? (" ", [])] + word
                if width(line(candidate[...]), size: size) <= maxWidth {
                    current = candidate
                    continue
                }
                if !current.isEmpty { lines.append(line(current[...])) }
                var rest = Array(word)
                while rest.count > 1, width(line(rest[...]), size: size) > maxWidth {
                    var cut = rest.count - 1
                    while cut > 1, width(line(rest[..<cut]), size: size) > maxWidth { cut -= 1 }
                    lines.append(line(rest[..<cut]))
                    rest = Array(rest[cut...])
                }
                current = rest
            }
            lines.append(line(current[...]))
        }
        return lines
    }

    /// Draws one styled line with its baseline at `y`.
    func text(_ line: StyledLine, x: Double, y: Double, size: Double, color c: ReportColor = .ink) {
        var cursor = x
        color(c)
        for run in line {
            let style = run.style
            let start = cursor
            for part in hasEmoji(run.text) ? Self.runs(run.text) : [(text: run.text, emoji: false)] {
                face(emoji: part.emoji, bold: style.contains(.bold), italic: style.contains(.italic), mono: style.contains(.mono), size: size)
                var extents = cairo_text_extents_t()
                cairo_text_extents(context, part.text, &extents)
                cairo_move_to(context, cursor, y)
                cairo_show_text(context, part.text)
                cursor += extents.x_advance
            }
            if style.contains(.strike) {
                cairo_set_line_width(context, max(0.6, size / 14))
                cairo_move_to(context, start, y - size * 0.3)
                cairo_line_to(context, cursor, y - size * 0.3)
                cairo_stroke(context)
            }
        }
    }
}
