import Foundation
import Hummingbird
import NIOCore

/// A file in `outbox/<campaign>/` that may be downloaded.
struct ReportFile: Codable, Sendable, Equatable {
    var name: String
    var bytes: Int
    var modifiedAt: Date
}

extension Dashboard {
    /// Report kinds by extension and the content type they are served with.
    static let reportTypes: [String: String] = [
        "csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json; charset=utf-8", "txt": "text/plain; charset=utf-8", "jsonl": "application/x-ndjson",
        "png": "image/png", "html": "text/plain; charset=utf-8",
    ]

    func addReportRoutes(to router: Router<DashboardContext>) {
        router.get("/api/reports/:id") { _, context in
            try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard try await self.database.campaign(id) != nil else { throw DashboardError(.notFound, "no campaign '\(id)'") }
            return try JSONResponse.make(try await self.reportFiles(of: id))
        }
        router.get("/api/reports/:id/:file") { _, context in
            let user = try context.require(.viewer)
            let id = try context.parameters.require("id"), name = try context.parameters.require("file")
            let path = try await self.reportPath(campaign: id, file: name)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let type = Self.reportTypes[(name as NSString).pathExtension.lowercased()] ?? "application/octet-stream"
            try await self.audit.record(user.username, "report.download", target: "\(id)/\(name)")
            return Response(status: .ok, headers: [
                .contentType: type, .contentDisposition: "attachment; filename=\"\(id)-\(name)\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Regular files of a campaign's outbox folder with a report extension (control files and
    /// anything a symlink points to are left out).
    func reportFiles(of id: String) async throws -> [ReportFile] {
        let folder = try await campaignFolder(id)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().compactMap { name in
            guard (try? reportPath(in: folder, campaign: id, file: name)) != nil,
                  let attributes = try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(name))
            else { return nil }
            return ReportFile(name: name, bytes: (attributes[.size] as? Int) ?? 0, modifiedAt: (attributes[.modificationDate] as? Date) ?? Date())
        }
    }

    /// The path of one report, after checking the name is a plain file name with a report
    /// extension and the file is a regular file (not a link) inside the campaign's folder.
    func reportPath(campaign id: String, file name: String) async throws -> String {
        try reportPath(in: try await campaignFolder(id), campaign: id, file: name)
    }

    func reportPath(in folder: String, campaign id: String, file name: String) throws -> String {
        try SafeName.check(name, what: "file name")
        guard Self.reportTypes[(name as NSString).pathExtension.lowercased()] != nil else {
            throw DashboardError(.notFound, "'\(name)' is not a report")
        }
        let path = (folder as NSString).appendingPathComponent(name)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else {
            throw DashboardError(.notFound, "campaign \(id) has no file '\(name)'")
        }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(root + "/") else { throw DashboardError(.notFound, "campaign \(id) has no file '\(name)'") }
        return path
    }
}
