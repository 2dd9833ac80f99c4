import Foundation
import Reports

/// `errors.txt`: why a drop was refused or a campaign stopped, in Bahasa Indonesia and English,
/// with advice that fits the cause and the folders named as staff see them (`inbox/failed/promo/`,
/// never the server's absolute path). The one writer of that file.
struct ErrorsFile {
    enum Kind {
        /// Refused at intake: nothing was taken.
        case refused
        /// The same files were taken before.
        case duplicate
        /// Taken, then stopped by a problem found while preparing (or sending).
        case stopped
    }

    var kind: Kind
    /// What staff dropped (the folder's name, or the loose files' campaign name).
    var name: String
    var campaignId: String?
    var reason: StaffReason
    /// Where the files are now, as staff see the folder (`inbox/failed/promo/`); nil when they stay in the spool.
    var filesKeptIn: String?
    /// Whether any message left before the problem.
    var somethingSent = false
    var at: Date
    var timeZone: TimeZone
    /// Bahasa Indonesia first (the default report language), else English first.
    var indonesianFirst = true

    var text: String {
        let when = LocalTimeFormatter.readable(at, timeZone: timeZone)
        var indonesian: [String] = [], english: [String] = []
        switch kind {
        case .refused:
            indonesian.append("Kampanye ditolak: \(name)")
            english.append("Campaign refused: \(name)")
        case .duplicate:
            indonesian.append("Kiriman ganda: \(name)")
            english.append("Duplicate drop: \(name)")
        case .stopped:
            indonesian.append("Kampanye dihentikan: \(name)")
            english.append("Campaign stopped: \(name)")
        }
        indonesian += ["", "Masalah:", Self.indent(reason.indonesian), ""]
        english += ["", "Problem:", Self.indent(reason.english), ""]
        indonesian += ["Yang perlu dilakukan:", Self.indent(reason.adviceIndonesian ?? "Perbaiki masalahnya lalu taruh kembali kampanye ke inbox/.")]
        english += ["What to do:", Self.indent(reason.adviceEnglish ?? "Fix the problem and drop the campaign into inbox/ again.")]
        if kind == .duplicate {
            indonesian.append(Self.indent("Untuk sengaja mengirim lagi, tambahkan campaign.yaml berisi 'resend: true'."))
            english.append(Self.indent("To send them again on purpose, add campaign.yaml with 'resend: true'."))
        }
        indonesian.append("")
        english.append("")
        if somethingSent {
            indonesian.append("Tidak ada pesan lagi yang dikirim untuk kampanye ini.")
            english.append("Nothing more will be sent for this campaign.")
        } else {
            indonesian.append("Tidak ada pesan yang dikirim.")
            english.append("Nothing was sent.")
        }
        if let filesKeptIn {
            indonesian.append("File Anda disimpan di \(filesKeptIn)")
            english.append("Your files are kept in \(filesKeptIn)")
        }
        let blocks = indonesianFirst ? [indonesian, english] : [english, indonesian]
        var lines = blocks[0] + ["", "────────", ""] + blocks[1] + [""]
        lines.append("\(when)" + (campaignId.map { " · kampanye / campaign \($0)" } ?? ""))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the same text into each folder (created when missing), replacing an earlier file.
    func write(into folders: [String]) throws {
        let text = self.text
        for folder in folders {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try text.write(toFile: (folder as NSString).appendingPathComponent("errors.txt"), atomically: true, encoding: .utf8)
        }
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    /// A folder as staff see it: under the shared folder's own name (`inbox/failed/promo/`).
    static func shown(_ path: String, under root: String) -> String {
        let base = (root as NSString).lastPathComponent
        let rootPath = (root as NSString).standardizingPath
        let full = (path as NSString).standardizingPath
        guard full.hasPrefix(rootPath + "/") else { return (path as NSString).lastPathComponent + "/" }
        return base + String(full.dropFirst(rootPath.count)) + "/"
    }
}
