import Foundation
import Contacts
import Media
import Templates

/// Why something staff dropped cannot be used, in English and Bahasa Indonesia, with advice that
/// fits the cause. It becomes `errors.txt`; `english` is what logs and the database keep.
public struct StaffReason: Sendable, Equatable, CustomStringConvertible {
    public var english: String
    public var indonesian: String
    /// What to do about it, when there is more to say than "fix it and drop again".
    public var adviceEnglish: String?
    public var adviceIndonesian: String?

    public init(english: String, indonesian: String, adviceEnglish: String? = nil, adviceIndonesian: String? = nil) {
        self.english = english
        self.indonesian = indonesian
        self.adviceEnglish = adviceEnglish
        self.adviceIndonesian = adviceIndonesian
    }

    public var description: String { english }

    /// Several reasons as one (the render stage can find more than one problem).
    init(joining reasons: [StaffReason]) {
        english = reasons.map(\.english).joined(separator: "\n")
        indonesian = reasons.map(\.indonesian).joined(separator: "\n")
        let adviceEnglish = reasons.compactMap(\.adviceEnglish).uniqued()
        let adviceIndonesian = reasons.compactMap(\.adviceIndonesian).uniqued()
        self.adviceEnglish = adviceEnglish.isEmpty ? nil : adviceEnglish.joined(separator: " ")
        self.adviceIndonesian = adviceIndonesian.isEmpty ? nil : adviceIndonesian.joined(separator: " ")
    }

    static let pictureFormats = (
        english: "JPEG, PNG and WebP pictures are accepted.",
        indonesian: "Gambar JPEG, PNG dan WebP diterima."
    )

    // MARK: Pictures

    /// A picture the media stage cannot make WhatsApp-ready; `file` is the name staff gave it.
    init(media error: MediaError, file: String) {
        func size(_ bytes: Int) -> String { Self.size(bytes) }
        let formats = Self.pictureFormats
        switch error.code {
        case .notFound:
            self.init(english: "\(file): the picture is missing", indonesian: "\(file): gambarnya tidak ada",
                      adviceEnglish: "Drop the campaign again with the picture.", adviceIndonesian: "Taruh kembali kampanye beserta gambarnya.")
        case .unreadable(let detail):
            self.init(english: "\(file): the picture cannot be read (\(detail))", indonesian: "\(file): gambar tidak bisa dibaca (\(detail))",
                      adviceEnglish: "Copy the picture again.", adviceIndonesian: "Salin ulang gambarnya.")
        case .empty:
            self.init(english: "\(file): the picture file is empty (0 bytes)", indonesian: "\(file): file gambar kosong (0 byte)",
                      adviceEnglish: "The copy did not finish: copy the picture again.", adviceIndonesian: "Penyalinan belum selesai: salin ulang gambarnya.")
        case .tooLarge(let bytes, let limit):
            self.init(english: "\(file): the picture is \(size(bytes)), larger than the \(size(limit)) allowed",
                      indonesian: "\(file): gambar berukuran \(size(bytes)), lebih besar dari batas \(size(limit))",
                      adviceEnglish: "Export it smaller (for example 1600 pixels wide) and drop the campaign again. \(formats.english)",
                      adviceIndonesian: "Ekspor gambar lebih kecil (misalnya lebar 1600 piksel) lalu taruh kembali kampanye. \(formats.indonesian)")
        case .tooManyPixels(let width, let height, let limit):
            self.init(english: "\(file): the picture is \(width)×\(height) pixels, more than the \(limit / 1_000_000) megapixels allowed",
                      indonesian: "\(file): gambar berukuran \(width)×\(height) piksel, lebih dari batas \(limit / 1_000_000) megapiksel",
                      adviceEnglish: "Export it smaller (for example 1600 pixels wide) and drop the campaign again.",
                      adviceIndonesian: "Ekspor gambar lebih kecil (misalnya lebar 1600 piksel) lalu taruh kembali kampanye.")
        case .unsupportedFormat(let kind):
            self.init(english: "\(file): this is \(kind), which WhatsApp campaigns cannot send",
                      indonesian: "\(file): ini berformat \(kind), yang tidak bisa dikirim kampanye WhatsApp",
                      adviceEnglish: "Save or export the picture as JPEG, PNG or WebP. \(formats.english)",
                      adviceIndonesian: "Simpan atau ekspor gambar sebagai JPEG, PNG atau WebP. \(formats.indonesian)")
        case .notAnImage:
            self.init(english: "\(file): this is not a picture, whatever its name says",
                      indonesian: "\(file): ini bukan gambar, apa pun nama filenya",
                      adviceEnglish: "Drop a real picture. \(formats.english)", adviceIndonesian: "Taruh gambar yang sebenarnya. \(formats.indonesian)")
        case .truncated(let format):
            self.init(english: "\(file): the \(format.displayName) picture is cut short: its end is missing",
                      indonesian: "\(file): gambar \(format.displayName) terpotong: bagian akhirnya hilang",
                      adviceEnglish: "Save or export the picture again (or copy the original again) and drop the campaign again.",
                      adviceIndonesian: "Simpan atau ekspor ulang gambarnya (atau salin ulang file aslinya) lalu taruh kembali kampanye.")
        case .corrupt(let format, let detail):
            self.init(english: "\(file): the \(format.displayName) picture is damaged (\(detail))",
                      indonesian: "\(file): gambar \(format.displayName) rusak (\(detail))",
                      adviceEnglish: "Open it in a photo editor and save or export it again, or use the original.",
                      adviceIndonesian: "Buka di aplikasi foto lalu simpan atau ekspor ulang, atau pakai file aslinya.")
        case .budgetUnreachable(let bytes, let limit):
            self.init(english: "\(file): the picture stays at \(size(bytes)) even at the lowest quality, over the \(size(limit)) WhatsApp allows",
                      indonesian: "\(file): gambar tetap \(size(bytes)) walau kualitasnya sudah paling rendah, melebihi batas \(size(limit))",
                      adviceEnglish: "Use a simpler or smaller picture.", adviceIndonesian: "Pakai gambar yang lebih sederhana atau lebih kecil.")
        case .encodeFailed(let detail), .writeFailed(let detail), .invalidConfiguration(let detail):
            self.init(english: "\(file): the picture could not be prepared (\(detail))",
                      indonesian: "\(file): gambar tidak bisa disiapkan (\(detail))",
                      adviceEnglish: "Tell the administrator; the campaign itself may be fine.",
                      adviceIndonesian: "Beri tahu admin; kampanyenya sendiri mungkin tidak bermasalah.")
        }
    }

    // MARK: Contact lists

    /// A contact list that cannot be read; `file` is the name staff gave it.
    init(contacts error: ContactsError, file: String) {
        let place = error.line.map { "\(file) line \($0)" } ?? file
        let tempat = error.line.map { "\(file) baris \($0)" } ?? file
        func size(_ bytes: Int) -> String { Self.size(bytes) }
        switch error.code {
        case .notFound, .notAFile:
            self.init(english: "\(file): the contact list is missing", indonesian: "\(file): daftar kontak tidak ada")
        case .unreadable(let detail):
            self.init(english: "\(file): the contact list cannot be read (\(detail))", indonesian: "\(file): daftar kontak tidak bisa dibaca (\(detail))",
                      adviceEnglish: "Copy it again.", adviceIndonesian: "Salin ulang filenya.")
        case .tooLarge(let bytes, let limit):
            self.init(english: "\(file): the list is \(size(bytes)), larger than the \(size(limit)) allowed",
                      indonesian: "\(file): daftar berukuran \(size(bytes)), lebih besar dari batas \(size(limit))",
                      adviceEnglish: "Split it into smaller campaigns.", adviceIndonesian: "Bagi menjadi beberapa kampanye yang lebih kecil.")
        case .tooManyRows(let limit):
            self.init(english: "\(file): the list has more than \(limit) rows", indonesian: "\(file): daftar berisi lebih dari \(limit) baris",
                      adviceEnglish: "Split it into smaller campaigns.", adviceIndonesian: "Bagi menjadi beberapa kampanye yang lebih kecil.")
        case .binary(let kind):
            self.init(english: "\(file): this is not a contact list but \(kind)", indonesian: "\(file): ini bukan daftar kontak, melainkan \(kind)",
                      adviceEnglish: "Drop numbers.txt (one number per line), contacts.csv or contacts.xlsx.",
                      adviceIndonesian: "Taruh numbers.txt (satu nomor per baris), contacts.csv atau contacts.xlsx.")
        case .notUTF8:
            self.init(english: "\(file): the text is not saved as UTF-8", indonesian: "\(file): teksnya tidak disimpan sebagai UTF-8",
                      adviceEnglish: "Save it as \"CSV UTF-8\" in Excel, or as UTF-8 in a text editor (Notepad: Save As → Encoding: UTF-8).",
                      adviceIndonesian: "Simpan sebagai \"CSV UTF-8\" di Excel, atau sebagai UTF-8 di editor teks (Notepad: Simpan Sebagai → Pengodean: UTF-8).")
        case .legacyExcel:
            self.init(english: "\(file): this is an old Excel 97-2003 .xls workbook", indonesian: "\(file): ini buku kerja Excel lama (.xls, 97-2003)",
                      adviceEnglish: "Save it as .xlsx or as \"CSV UTF-8\".", adviceIndonesian: "Simpan sebagai .xlsx atau \"CSV UTF-8\".")
        case .lineTooLong:
            self.init(english: "\(place): the line is far too long for a contact list", indonesian: "\(tempat): barisnya terlalu panjang untuk daftar kontak",
                      adviceEnglish: "Check that this is the right file.", adviceIndonesian: "Periksa apakah filenya sudah benar.")
        case .unterminatedQuote:
            self.init(english: "\(place): a quoted field (starting with \") is never closed",
                      indonesian: "\(tempat): ada isian berkutip (diawali \") yang tidak ditutup",
                      adviceEnglish: "Save the list again from Excel as \"CSV UTF-8\".", adviceIndonesian: "Simpan ulang daftar dari Excel sebagai \"CSV UTF-8\".")
        case .noPhoneColumn(let headers):
            let columns = headers.map { "'\($0)'" }.joined(separator: ", ")
            self.init(english: "\(place): no phone column; the header row has \(columns)",
                      indonesian: "\(tempat): tidak ada kolom nomor; baris judul berisi \(columns)",
                      adviceEnglish: "Name the column phone, nomor, no_hp, hp, telepon, whatsapp or wa.",
                      adviceIndonesian: "Beri judul kolom phone, nomor, no_hp, hp, telepon, whatsapp atau wa.")
        case .invalidWorkbook(let detail):
            self.init(english: "\(file): the .xlsx workbook is damaged (\(detail))", indonesian: "\(file): buku kerja .xlsx rusak (\(detail))",
                      adviceEnglish: "Open it in Excel and save it again.", adviceIndonesian: "Buka di Excel lalu simpan ulang.")
        case .sheetNotFound(let name, let available):
            let sheets = available.map { "'\($0)'" }.joined(separator: ", ")
            self.init(english: "\(file): the workbook has no sheet named '\(name)'; it has \(sheets)",
                      indonesian: "\(file): buku kerja tidak punya lembar '\(name)'; yang ada \(sheets)")
        }
    }

    // MARK: Messages

    /// A message or template that cannot be sent, with its place (`message.txt:3:7`).
    init(template error: TemplateError) {
        // The file by its name only: staff never see the server's folders.
        var place = error.file.map { ($0 as NSString).lastPathComponent } ?? "message.txt"
        if error.line > 0 { place += ":\(error.line):\(error.column)" }
        let english = "\(place): \(error.message)"
        let indonesian: String
        var adviceEnglish: String?, adviceIndonesian: String?
        switch error.code {
        case .notUTF8:
            indonesian = "\(place): teks tidak disimpan sebagai UTF-8"
            adviceEnglish = "Save message.txt as UTF-8 (Notepad: Save As → Encoding: UTF-8)."
            adviceIndonesian = "Simpan message.txt sebagai UTF-8 (Notepad: Simpan Sebagai → Pengodean: UTF-8)."
        case .unclosedBrace: indonesian = "\(place): ada { yang tidak ditutup dengan }"
        case .unexpectedClosingBrace: indonesian = "\(place): ada } tanpa { pembukanya"
        case .emptyGroup: indonesian = "\(place): {} kosong atau pilihan kosong di antara dua |"
        case .unknownVariable:
            indonesian = "\(place): variabel ini tidak ada sebagai kolom di daftar kontak"
            adviceEnglish = "Add the column to the list, or give a default such as {name|Kak}."
            adviceIndonesian = "Tambahkan kolomnya ke daftar, atau beri nilai bawaan seperti {nama|Kak}."
        case .notAVariableName: indonesian = "\(place): isi {…} bukan nama variabel maupun pilihan yang dipisah |"
        case .emptyMessage:
            indonesian = "\(place): pesannya kosong"
            adviceEnglish = "Write the text to send in message.txt."
            adviceIndonesian = "Tulis teks yang akan dikirim di message.txt."
        case .invalidFrontMatter: indonesian = "\(place): bagian depan (front matter) di antara baris --- tidak valid"
        case .tooLong:
            indonesian = "\(place): pesan lebih panjang dari batas WhatsApp"
            adviceEnglish = "Shorten the message."
            adviceIndonesian = "Persingkat pesannya."
        case .nestedTooDeep: indonesian = "\(place): pilihan {…|…} bersarang terlalu dalam"
        case .ownOptOutLine:
            indonesian = "\(place): teks sudah berisi baris berhenti langganan sendiri; Siaran menambahkan baris yang diatur"
            adviceEnglish = "Remove the opt-out line from the text."
            adviceIndonesian = "Hapus baris berhenti langganan dari teksnya."
        case .unsupportedFormatting:
            indonesian = "\(place): format yang tidak ditampilkan WhatsApp (Markdown, HTML) atau baris ---"
            adviceEnglish = "Use WhatsApp's own formatting: *bold*, _italic_, ~strike~, ```mono```."
            adviceIndonesian = "Pakai format WhatsApp sendiri: *tebal*, _miring_, ~coret~, ```monospace```."
        case .templateNotFound:
            indonesian = "\(place): templat tidak ditemukan"
            adviceEnglish = "Check the name after template: in campaign.yaml against the templates folder."
            adviceIndonesian = "Periksa nama setelah template: di campaign.yaml dengan isi folder templates."
        }
        self.init(english: english, indonesian: indonesian + " (\(error.message))", adviceEnglish: adviceEnglish, adviceIndonesian: adviceIndonesian)
    }

    /// `1.5 MB`, `340 KB`.
    static func size(_ bytes: Int) -> String {
        if bytes >= 1_048_576 {
            let tenths = Int((Double(bytes) / 1_048_576 * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) MB"
        }
        if bytes >= 1024 { return "\(bytes / 1024) KB" }
        return "\(bytes) bytes"
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
