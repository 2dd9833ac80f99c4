import Foundation
import Testing

@Suite("siaran message and templates", .serialized)
struct MessageCommandTests {
    @Test("message preview renders with the contact list's columns and the opt-out line")
    func previewWithContacts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-preview-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let contacts = folder.appendingPathComponent("pelanggan.csv")
        try "phone;nama;kota\n0812-1111-2222;Budi;Bandung\n+62 813 3333 4444;;Surabaya\n".write(to: contacts, atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.run(["message", "preview", "templates/promo-kilat.txt", "--contacts", contacts.path, "--count", "2"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("to 6281211112222"))
        #expect(result.output.contains("Budi"))
        #expect(result.output.contains("toko Surabaya"))
        #expect(result.output.contains("Kak"))  // the fallback for the contact without a name
        #expect(result.output.components(separatedBy: "Balas STOP untuk berhenti menerima pesan.").count == 3)
    }

    @Test("message preview stops on a variable no contact has, naming line and column")
    func previewUnknownVariable() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("msg-\(UUID()).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try "Halo!\nKota kamu: {city}".write(to: file, atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.run(["message", "preview", file.path])
        #expect(result.status == 1)
        #expect(result.error.contains("\(file.path):2:12: {city} is not a column"))
    }

    @Test("templates list shows every template in templates/")
    func templatesList() async throws {
        let result = try await CommandLineTests.run(["templates", "list"])
        #expect(result.status == 0, "\(result.error)")
        for name in ["promo-kilat", "stok-baru", "event-invitation"] { #expect(result.output.contains(name)) }
        #expect(result.output.contains("2 variants"))
    }
}
