import CSiaranCairo
import CSiaranInotify
import CSiaranJPEG
import CSiaranPNG
import CSiaranQREncode
import CSiaranSQLite
import CSiaranSodium
import CSiaranWebP
import CSiaranXLSXWriter
import CSiaranZlib
import Foundation
import Testing

/// Each C library Siaran links is called for real, so a missing Debian package fails here
/// with the library's name rather than somewhere deep in a feature test.
@Suite("System libraries")
struct SystemLibraryTests {
    @Test("libjpeg-turbo creates and destroys a compressor")
    func jpeg() {
        var errorManager = jpeg_error_mgr()
        var compressor = jpeg_compress_struct()
        compressor.err = jpeg_std_error(&errorManager)
        jpeg_CreateCompress(&compressor, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        #expect(compressor.global_state != 0)
        jpeg_destroy_compress(&compressor)
        #expect(JPEG_LIB_VERSION >= 62)
    }

    @Test("libpng reports version 1.6")
    func png() {
        let version = png_access_version_number()
        #expect(version >= 10_600 && version < 10_700)
    }

    @Test("libwebp encodes and decodes a pixel")
    func webp() {
        #expect(WebPGetDecoderVersion() >= 0x010000)
        var rgb: [UInt8] = [200, 40, 20, 200, 40, 20, 200, 40, 20, 200, 40, 20]
        var output: UnsafeMutablePointer<UInt8>?
        let size = WebPEncodeLosslessRGB(&rgb, 2, 2, 6, &output)
        #expect(size > 0)
        var width: Int32 = 0, height: Int32 = 0
        #expect(WebPGetInfo(output, size, &width, &height) == 1)
        #expect(width == 2 && height == 2)
        WebPFree(output)
    }

    @Test("libinotifytools maps event names")
    func inotify() {
        #expect(inotifytools_str_to_event("close_write") == Int32(IN_CLOSE_WRITE))
    }

    @Test("libqrencode encodes a linking code")
    func qrencode() throws {
        let code = try #require(QRcode_encodeString("2@abc,def,ghi,jkl", 0, QR_ECLEVEL_L, QR_MODE_8, 1))
        defer { QRcode_free(code) }
        #expect(code.pointee.width >= 21)
    }

    @Test("cairo draws into a PDF surface")
    func cairo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-cairo-\(UUID()).pdf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let surface = try #require(cairo_pdf_surface_create(path, 595, 842))
        let context = try #require(cairo_create(surface))
        cairo_rectangle(context, 10, 10, 100, 100)
        cairo_fill(context)
        #expect(cairo_status(context) == CAIRO_STATUS_SUCCESS)
        cairo_destroy(context)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.starts(with: Array("%PDF".utf8)))
    }

    @Test("libsodium signs and verifies with Ed25519")
    func sodium() {
        #expect(sodium_init() >= 0)
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        crypto_sign_keypair(&publicKey, &secretKey)
        let message = Array("halo".utf8)
        var signature = [UInt8](repeating: 0, count: Int(crypto_sign_BYTES))
        crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
        #expect(crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0)
        signature[0] ^= 1
        #expect(crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) != 0)
    }

    @Test("libxlsxwriter writes a workbook")
    func xlsxwriter() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-\(UUID()).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let workbook = try #require(workbook_new(path))
        let sheet = try #require(workbook_add_worksheet(workbook, "Ringkasan"))
        worksheet_write_string(sheet, 0, 0, "6281234567890", nil)
        #expect(workbook_close(workbook) == LXW_NO_ERROR)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.starts(with: [0x50, 0x4B]))  // a ZIP container
    }

    @Test("sqlite3 is at least 3.35 (RETURNING, used by the store)")
    func sqlite() {
        #expect(sqlite3_libversion_number() >= 3_035_000)
    }

    @Test("zlib inflates what it deflated")
    func zlib() {
        let input = Array(String(repeating: "siaran ", count: 50).utf8)
        var compressedSize = compressBound(uLong(input.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        #expect(compress(&compressed, &compressedSize, input, uLong(input.count)) == Z_OK)
        var outputSize = uLong(input.count)
        var output = [UInt8](repeating: 0, count: input.count)
        #expect(uncompress(&output, &outputSize, compressed, compressedSize) == Z_OK)
        #expect(output == input)
    }
}
