internal import CSiaranXLSXWriter
import Foundation

/// Owns a libxlsxwriter workbook: closes (or, on an error path, frees) it exactly once.
final class XLSXWorkbook {
    private var handle: UnsafeMutablePointer<lxw_workbook>?
    private let campaign: String
    private let path: String
    private(set) var closed = false

    init(path: String, campaign: String) throws {
        self.campaign = campaign
        self.path = path
        var options = lxw_workbook_options(constant_memory: 1, tmpdir: nil, use_zip64: 1)
        handle = workbook_new_opt(path, &options)
        guard handle != nil else { throw ReportsError(.spreadsheet(reason: "the workbook cannot be created"), campaign: campaign, file: path) }
    }

    deinit {
        // workbook_close writes the file; after a failure a half file is deleted by the caller.
        if let handle, !closed { workbook_close(handle) }
    }

    /// The cell formats every sheet shares.
    struct Styles {
        let header, title, warning, text, integer, percent, dateTime, failed: UnsafeMutablePointer<lxw_format>?
    }

    func styles() -> Styles {
        func format(_ body: (UnsafeMutablePointer<lxw_format>?) -> Void) -> UnsafeMutablePointer<lxw_format>? {
            let format = workbook_add_format(handle)
            body(format)
            return format
        }
        return Styles(
            header: format {
                format_set_bold($0)
                format_set_font_color($0, 0xFFFFFF)
                format_set_bg_color($0, 0x075E54)
                format_set_border($0, UInt8(LXW_BORDER_THIN.rawValue))
                format_set_border_color($0, 0x0B4F47)
            },
            title: format { format_set_bold($0); format_set_font_size($0, 16); format_set_font_color($0, 0x075E54) },
            warning: format { format_set_bold($0); format_set_font_color($0, 0xB3261E) },
            text: format { format_set_num_format($0, "@") },
            integer: format { format_set_num_format($0, "#,##0") },
            percent: format { format_set_num_format($0, "0.0%") },
            dateTime: format { format_set_num_format($0, "yyyy-mm-dd hh:mm:ss") },
            failed: format { format_set_font_color($0, 0xB3261E) }
        )
    }

    func sheet(_ name: String) throws -> XLSXSheet {
        guard let sheet = workbook_add_worksheet(handle, name) else {
            throw ReportsError(.spreadsheet(reason: "the sheet \(name) cannot be added"), campaign: campaign, file: path)
        }
        return XLSXSheet(sheet)
    }

    /// Frees the workbook after a failure (libxlsxwriter can only free by closing).
    func discard() {
        guard let handle else { return }
        closed = true
        self.handle = nil
        workbook_close(handle)
    }

    /// Writes the zip; libxlsxwriter frees the workbook whatever the outcome.
    func close(path: String) throws {
        guard let handle else { return }
        closed = true
        self.handle = nil
        let status = workbook_close(handle)
        guard status == LXW_NO_ERROR else {
            throw ReportsError(.spreadsheet(reason: String(cString: lxw_strerror(status))), campaign: campaign, file: path)
        }
    }
}

/// One worksheet; remembers the first error a write returned so loops stay simple.
final class XLSXSheet {
    private let sheet: UnsafeMutablePointer<lxw_worksheet>
    private(set) var firstError: String?

    init(_ sheet: UnsafeMutablePointer<lxw_worksheet>) {
        self.sheet = sheet
    }

    private func check(_ status: lxw_error) {
        if status != LXW_NO_ERROR, firstError == nil { firstError = String(cString: lxw_strerror(status)) }
    }

    func string(_ row: UInt32, _ column: UInt16, _ value: String, _ format: UnsafeMutablePointer<lxw_format>?) {
        guard !value.isEmpty else { return }
        // Excel refuses cells longer than 32,767 characters; control characters break the XML.
        var text = value.count > 32_000 ? String(value.prefix(32_000)) : value
        if text.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 }) {
            text = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" || $0 == "\t" }))
        }
        check(worksheet_write_string(sheet, row, column, text, format))
    }

    func number(_ row: UInt32, _ column: UInt16, _ value: Double, _ format: UnsafeMutablePointer<lxw_format>?) {
        check(worksheet_write_number(sheet, row, column, value, format))
    }

    func columnWidth(_ first: UInt16, _ last: UInt16, _ width: Double, _ format: UnsafeMutablePointer<lxw_format>?) {
        check(worksheet_set_column(sheet, first, last, width, format))
    }

    func freezeHeader() { worksheet_freeze_panes(sheet, 1, 0) }

    func autofilter(lastRow: UInt32, lastColumn: UInt16) {
        check(worksheet_autofilter(sheet, 0, 0, lastRow, lastColumn))
    }
}
