import Foundation
import Reports
import SiaranTestSupport
import Testing

@Suite("preview.png and the per-campaign logs.txt")
struct PreviewAndLogTests {
    static func pngInfo(_ path: String, _ points: [String]) async throws -> [String: Any] {
        let python = packageRoot.appendingPathComponent(".venv/bin/python").path
        let script = packageRoot.appendingPathComponent("Tests/ReportsTests/Scripts/png_info.py").path
        let printed = try await run(python, [script, path] + points)
        return try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any])
    }

    static let message = """
        Halo Kak Budi! 🎉 Promo akhir tahun: diskon 50% untuk semua produk sampai 31 Desember.
        Kunjungi toko kami atau balas pesan ini untuk pesan antar.

        Balas STOP untuk berhenti menerima pesan.
        """

    @Test("a chat bubble with the picture scaled into it and the text wrapped; taller text makes a taller image")
    func preview() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preview-\(UUID())").path
        // A 300×200 picture: red top half, blue bottom half.
        var rgba: [UInt8] = []
        for y in 0..<200 { for _ in 0..<300 { rgba += y < 100 ? [220, 30, 30, 255] : [30, 30, 220, 255] } }
        let jakarta = try #require(TimeZone(identifier: "Asia/Jakarta"))
        let time = Date(timeIntervalSince1970: 1_764_032_400)
        let withPicture = "\(folder)/preview.png"
        try ChatPreview(text: Self.message, picture: .pixels(width: 300, height: 200, rgba: rgba), title: "Toko Maju Jaya", time: time, timeZone: jakarta)
            .write(to: withPicture, campaign: "c1")
        // Points at scale 2: header bar, the picture's two halves inside the bubble, the bubble's green.
        let info = try await Self.pngInfo(withPicture, ["10,10", "500,200", "500,400", "500,500", "10,300"])
        #expect(info["format"] as? String == "PNG")
        let size = try #require(info["size"] as? [Int])
        #expect(size[0] == 800)
        let points = try #require(info["points"] as? [[Int]])
        #expect(points[0] == [7, 94, 84])  // WhatsApp's dark green title bar
        #expect(points[1][0] > 180 && points[1][2] < 80)  // red half of the picture
        #expect(points[2][2] > 180 && points[2][0] < 80)  // blue half
        #expect(points[4] == [236, 229, 221] || points[4][0] > 200)  // chat wallpaper
        #expect((info["distinct"] as? Int ?? 0) > 50)  // anti-aliased text, not a blank frame

        // The same text without a picture is shorter; a longer text is taller.
        let plain = "\(folder)/plain.png", long = "\(folder)/long.png"
        try ChatPreview(text: Self.message, picture: nil, title: "Toko", time: time, timeZone: jakarta).write(to: plain, campaign: "c1")
        try ChatPreview(text: String(repeating: Self.message + "\n", count: 3), picture: nil, title: "Toko", time: time, timeZone: jakarta)
            .write(to: long, campaign: "c1")
        let plainHeight = try #require((try await Self.pngInfo(plain, [])["size"] as? [Int])?[1])
        let longHeight = try #require((try await Self.pngInfo(long, [])["size"] as? [Int])?[1])
        #expect(plainHeight < size[1])
        #expect(longHeight > plainHeight + 200)

        // A PNG file is drawn; a JPEG (not decoded here) shows a placeholder naming it.
        let fromFile = "\(folder)/file.png", placeholder = "\(folder)/jpeg.png"
        try ChatPreview(text: "Hai", picture: .file(plain), title: "Toko", time: time, timeZone: jakarta).write(to: fromFile, campaign: "c1")
        try ChatPreview(text: "Hai", picture: .file("/nowhere/promo.jpg"), title: "Toko", time: time, timeZone: jakarta).write(to: placeholder, campaign: "c1")
        #expect(FileManager.default.fileExists(atPath: fromFile) && FileManager.default.fileExists(atPath: placeholder))
        // A WebP picture (made by Pillow from the first preview) is decoded and drawn: red and blue come through.
        let webp = "\(folder)/picture.webp", fromWebP = "\(folder)/webp.png"
        _ = try await run(packageRoot.appendingPathComponent(".venv/bin/python").path,
                    ["-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).crop((400, 160, 760, 520)).save(sys.argv[2], lossless=True)", withPicture, webp])
        try ChatPreview(text: "Hai", picture: .file(webp), title: "Toko", time: time, timeZone: jakarta).write(to: fromWebP, campaign: "c1")
        let drawn = try #require(try await Self.pngInfo(fromWebP, ["500,200", "500,560"])["points"] as? [[Int]])
        #expect(drawn[0][0] > 180 && drawn[0][2] < 80)
        #expect(drawn[1][2] > 180 && drawn[1][0] < 80)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/.file.png.tmp"))
    }

    @Test("one line per event with time and offset, level and fields; rotated by size keeping N files")
    func eventLog() throws {
        let outbox = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID())").path
        let jakarta = try #require(TimeZone(identifier: "Asia/Jakarta"))
        let log = CampaignEventLog(outbox: outbox, maxBytes: 2_000, keep: 2, timeZone: jakarta)
        let at = Date(timeIntervalSince1970: 1_764_032_400.5)
        log.record(campaign: "promo", phone: "6281234567890", messageID: "3EB0AA", status: "sent", at: at)
        log.record(campaign: "promo", phone: "6281234567891", messageID: "3EB0AB", status: "failed", reason: "not on WhatsApp", level: .error, at: at)
        let lines = try String(contentsOfFile: log.path(of: "promo"), encoding: .utf8).split(separator: "\n")
        #expect(lines == [
            "2025-11-25T08:00:00.500+07:00 INFO  campaign=promo phone=6281234567890 message=3EB0AA status=sent reason=-",
            "2025-11-25T08:00:00.500+07:00 ERROR campaign=promo phone=6281234567891 message=3EB0AB status=failed reason=\"not on WhatsApp\"",
        ])
        for i in 0..<100 { log.record(campaign: "promo", phone: "62812\(i)", messageID: "id\(i)", status: "delivered", at: at) }
        let folder = (outbox as NSString).appendingPathComponent("promo")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["logs.1.txt", "logs.2.txt", "logs.txt"])
        for file in files {
            let size = try #require(try FileManager.default.attributesOfItem(atPath: "\(folder)/\(file)")[.size] as? Int)
            #expect(size <= 2_000)
        }
        let newest = try String(contentsOfFile: "\(folder)/logs.txt", encoding: .utf8)
        #expect(newest.hasSuffix("phone=6281299 message=id99 status=delivered reason=-\n"))
    }
}
