import Contacts
import Foundation
import Hummingbird
import NIOCore
import Pipeline
import Reports
import Store

extension Dashboard {
    struct OptOutPage: Codable, Sendable {
        /// Everyone on the list (database and file together).
        var total: Int
        /// Those matching the search.
        var matching: Int
        var page: Int
        var pages: Int
        var items: [OptOutRecord]
    }

    struct NewOptOut: Codable, Sendable { var phone: String; var note: String? }

    struct CheckedLine: Codable, Sendable {
        var line: Int
        var input: String
        /// `valid`, or the `rejected.csv` reason (`too-short`, `duplicate`, `opted-out`, …).
        var result: String
        /// The normalised number (`62…`) when valid.
        var phone: String?
        var duplicateOf: Int?
    }

    struct CheckResult: Codable, Sendable {
        var rows: Int
        var valid: Int
        var refused: Int
        var duplicates: Int
        var optedOut: Int
        var columns: [String]
        /// Per row in file order (the first 2,000).
        var lines: [CheckedLine]
        var truncated: Bool
    }

    struct PhoneHistory: Codable, Sendable {
        var phone: String
        var optedOut: OptOutRecord?
        var messages: [PhoneMessageRecord]
        var replies: [PhoneReplyRecord]
    }

    var optOutFile: OptOutFile { OptOutFile(path: configuration.optOutFile, contacts: configuration.contacts) }

    func addContactRoutes(to router: Router<DashboardContext>) {
        router.get("/api/contacts/optouts") { request, context in
            try context.require(.viewer)
            let query = request.uri.queryParameters
            return try JSONResponse.make(try await self.optOutPage(search: query.get("q") ?? "", page: query.get("page", as: Int.self) ?? 1,
                                                                   limit: query.get("limit", as: Int.self) ?? 50))
        }
        router.get("/api/contacts/optouts.csv") { _, context in
            try context.require(.viewer)
            var csv = "phone,source,detail,created_at\r\n"
            var times = LocalTimeFormatter(timeZone: self.timeZone)
            for item in try await self.optOuts() {
                csv += [item.phone, item.source, item.detail ?? "", item.createdAt.map { times.iso8601($0) } ?? ""]
                    .map(Self.csvField).joined(separator: ",") + "\r\n"
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"optouts.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        router.post("/api/contacts/optouts") { request, context in
            let user = try context.require(.operator)
            let body = try await JSONResponse.decode(NewOptOut.self, from: request)
            let phone: String
            switch PhoneNormalizer(configuration: self.configuration.contacts).normalize(body.phone) {
            case .valid(let number): phone = number.description
            case .invalid(let reason):
                throw DashboardError(.badRequest, "'\(body.phone.prefix(40))' is not a number the pipeline sends to: \(reason.rawValue)")
            }
            let note = body.note?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500).description.nilIfEmpty
            if try await self.optOuts().contains(where: { $0.phone == phone }) {
                return try JSONResponse.make(ActionResult(message: "\(phone) is already on the opt-out list"))
            }
            try await self.database.addOptOut(phone: phone, source: "dashboard", detail: note.map { "\(user.username): \($0)" } ?? user.username)
            try FileLock.withExclusiveLock(beside: self.configuration.optOutFile) { try self.optOutFile.append(phone) }
            try await self.audit.record(user.username, "optout.add", target: phone, detail: note)
            return try JSONResponse.make(ActionResult(message: "\(phone) is opted out; no campaign sends to it any more"), status: .created)
        }
        router.delete("/api/contacts/optouts/:phone") { _, context in
            let user = try context.require(.admin)
            let phone = try self.lookupNumber(try context.parameters.require("phone"))
            let inDatabase = try await self.database.removeOptOut(phone: phone)
            let inFile = try FileLock.withExclusiveLock(beside: self.configuration.optOutFile) { try self.optOutFile.remove(phone) }
            guard inDatabase || inFile else { throw DashboardError(.notFound, "\(phone) is not on the opt-out list") }
            try await self.audit.record(user.username, "optout.remove", target: phone,
                                        detail: [inDatabase ? "database" : nil, inFile ? "file" : nil].compactMap { $0 }.joined(separator: "+"))
            return try JSONResponse.make(ActionResult(message: "\(phone) is no longer opted out"))
        }
        router.post("/api/contacts/check") { request, context in
            try context.require(.viewer)
            return try JSONResponse.make(try await self.checkNumbers(request))
        }
        router.get("/api/contacts/:phone") { _, context in
            try context.require(.viewer)
            return try JSONResponse.make(try await self.history(of: try context.parameters.require("phone")))
        }
    }

    /// The opt-out list as the pipeline sees it: the database's rows, then numbers only in the file.
    func optOuts() async throws -> [OptOutRecord] {
        var records = try await database.optOutRecords()
        let known = Set(records.map(\.phone))
        let fileNumbers = try FileLock.withExclusiveLock(beside: configuration.optOutFile) { try optOutFile.numbers() }
        records += fileNumbers.filter { !known.contains($0) }.map { OptOutRecord(phone: $0, source: "file") }
        return records
    }

    func optOutPage(search: String, page: Int, limit: Int) async throws -> OptOutPage {
        let all = try await optOuts()
        let needle = search.trimmingCharacters(in: .whitespaces).lowercased()
        // Digits match anywhere in the number; a local 0812… also finds 62812….
        let digits = String(needle.filter(\.isNumber).drop { $0 == "0" })
        let matching = needle.isEmpty ? all : all.filter {
            (!digits.isEmpty && $0.phone.contains(digits)) || $0.source.lowercased().contains(needle) || ($0.detail?.lowercased().contains(needle) ?? false)
        }
        let limit = min(max(limit, 1), 500)
        let pages = max(1, (matching.count + limit - 1) / limit)
        let page = min(max(page, 1), pages)
        let items = Array(matching.dropFirst((page - 1) * limit).prefix(limit))
        return OptOutPage(total: all.count, matching: matching.count, page: page, pages: pages, items: items)
    }

    /// A number as typed in a URL, normalised with the opt-out file's spelling rules.
    func lookupNumber(_ text: String) throws -> String {
        guard let number = optOutFile.normalizer.normalize(text.removingPercentEncoding ?? text).phoneNumber else {
            throw DashboardError(.badRequest, "'\(text.prefix(40))' is not a phone number")
        }
        return number.description
    }

    func history(of text: String) async throws -> PhoneHistory {
        let phone = try lookupNumber(text)
        var optedOut = try await database.optOutRecord(phone: phone)
        if optedOut == nil, try FileLock.withExclusiveLock(beside: configuration.optOutFile, { try optOutFile.numbers() }).contains(phone) {
            optedOut = OptOutRecord(phone: phone, source: "file")
        }
        return PhoneHistory(phone: phone, optedOut: optedOut, messages: try await database.messages(toPhone: phone),
                            replies: try await database.replies(fromPhone: phone))
    }

    /// Checks pasted numbers (JSON `{"numbers": text}`) or a list (multipart `file`/`numbers`)
    /// with the contact rules and opt-out list the validate stage uses.
    func checkNumbers(_ request: Request) async throws -> CheckResult {
        let data: Data, filename: String?
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/") == true {
            let form = try await multipart(request)
            guard let part = form.part("file") ?? form.part("numbers"), !part.data.isEmpty else {
                throw DashboardError(.badRequest, "send the numbers in the field 'file' or 'numbers'")
            }
            (data, filename) = (part.data, part.filename)
        } else {
            struct Pasted: Decodable { var numbers: String }
            let pasted = try await JSONResponse.decode(Pasted.self, from: request, limit: configuration.maxFileBytes)
            (data, filename) = (Data(pasted.numbers.utf8), "numbers.txt")
        }
        guard !data.isEmpty else { throw DashboardError(.badRequest, "there are no numbers to check") }
        let name = try UploadedFile.contactsName(filename: filename, data: data)
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("siaran-check-\(RandomToken.make(bytes: 9))")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent(name)
        try data.write(to: URL(fileURLWithPath: path))
        let optOut = try await CampaignInputs.optOutList(file: configuration.optOutFile, contacts: configuration.contacts, database: database)
        let result: ContactListResult
        do {
            result = try ContactListReader(file: path, configuration: configuration.contacts).check(optOut: optOut)
        } catch {
            throw DashboardError(.badRequest, "\(error)".replacingOccurrences(of: folder + "/", with: ""))
        }
        // Raw lines of a text list, to show what was typed beside valid numbers too.
        // (Split as bytes: in a Swift string "\r\n" is one character and would not split on "\n".)
        let raw = name == "contacts.xlsx" ? [] : data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        func typed(_ line: Int) -> String {
            guard line >= 1 && line <= raw.count else { return "" }
            return String(String(decoding: raw[line - 1], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))
        }
        var lines = result.accepted.map { CheckedLine(line: $0.line, input: typed($0.line), result: "valid", phone: $0.phone.description) }
        lines += result.rejected.map { CheckedLine(line: $0.line, input: $0.input, result: $0.reason.rawValue, duplicateOf: $0.duplicateOf) }
        lines.sort { $0.line < $1.line }
        let counts = result.counts
        return CheckResult(rows: counts.rows, valid: counts.accepted, refused: counts.invalid,
                           duplicates: counts.duplicates, optedOut: counts.optedOut, columns: result.header.variableNames,
                           lines: Array(lines.prefix(2000)), truncated: lines.count > 2000)
    }

    /// A CSV field, quoted when needed; a leading `= + - @` is defused so spreadsheets do not run it.
    static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
