import Foundation

/// A `multipart/form-data` body, read whole (the request size limit bounds it).
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var data: Data
        var text: String? { String(data: data, encoding: .utf8) }
        /// Text typed into a form: browsers send its line breaks as CRLF; the pipeline reads LF.
        var typed: String? { text?.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n") }
    }

    private(set) var parts: [Part] = []

    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The same form with the text field `name` set to `text` (a drafted message previewed as the campaign's).
    func replacing(_ name: String, with text: String) -> MultipartForm {
        var copy = self
        copy.parts.removeAll { $0.name == name }
        copy.parts.append(Part(name: name, data: Data(text.utf8)))
        return copy
    }

    /// A form assembled on the server (the new-campaign page's first preview).
    init(fields: [String: String]) {
        parts = fields.sorted { $0.key < $1.key }.map { Part(name: $0.key, data: Data($0.value.utf8)) }
    }

    /// Parses `body` with the boundary named in `contentType`; throws a 400 naming what is wrong.
    init(contentType: String, body: Data) throws {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty, boundary.count <= 200 else {
            throw DashboardError(.badRequest, "send the files as multipart/form-data")
        }
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8), headerEnd = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw DashboardError(.badRequest, "the multipart body has no boundary line")
        }
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else { throw DashboardError(.badRequest, "malformed multipart boundary") }
            cursor += 2
            guard let headersEnd = body.range(of: headerEnd, in: cursor..<body.endIndex) else {
                throw DashboardError(.badRequest, "a multipart part has no end of headers")
            }
            let headerText = String(decoding: body[cursor..<headersEnd.lowerBound], as: UTF8.self)
            let contentStart = headersEnd.upperBound
            guard let next = body.range(of: crlf + delimiter, in: contentStart..<body.endIndex) else {
                throw DashboardError(.badRequest, "the multipart body ends in the middle of a part")
            }
            var name: String?, filename: String?, type: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let pieces = line.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2 else { continue }
                let value = pieces[1].trimmingCharacters(in: .whitespaces)
                switch pieces[0].lowercased() {
                case "content-disposition":
                    name = Self.parameter("name", in: value)
                    filename = Self.parameter("filename", in: value)
                case "content-type": type = value
                default: break
                }
            }
            guard let name else { throw DashboardError(.badRequest, "a multipart part has no name") }
            parts.append(Part(name: name, filename: filename, contentType: type, data: Data(body[contentStart..<next.lowerBound])))
            if parts.count > 50 { throw DashboardError(.badRequest, "too many parts in one upload") }
            cursor = next.upperBound
        }
    }

    /// `key=value` or `key="value"` from a header value such as Content-Disposition.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
