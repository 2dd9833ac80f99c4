internal import CSiaranCodecs
internal import CSiaranWebP

/// Turns the C helpers' status codes into error codes.
enum CodecStatus {
    static func error(_ status: Int32, format: ImageFormat, message: [CChar]) -> MediaError.Code {
        let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch UInt32(status) {
        case SIARAN_CODEC_TRUNCATED.rawValue: return .truncated(format: format)
        case SIARAN_CODEC_TOO_MANY_SCANS.rawValue: return .corrupt(format: format, detail: detail)
        case SIARAN_CODEC_NO_MEMORY.rawValue: return .corrupt(format: format, detail: "out of memory decoding it")
        default: return .corrupt(format: format, detail: detail.isEmpty ? "unreadable data" : detail)
        }
    }
}

/// Words for libwebp's status codes.
enum WebPStatus {
    static func describe(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_OUT_OF_MEMORY: "out of memory"
        case VP8_STATUS_INVALID_PARAM: "invalid parameter"
        case VP8_STATUS_BITSTREAM_ERROR: "invalid bitstream"
        case VP8_STATUS_UNSUPPORTED_FEATURE: "unsupported feature"
        case VP8_STATUS_SUSPENDED: "suspended"
        case VP8_STATUS_USER_ABORT: "aborted"
        case VP8_STATUS_NOT_ENOUGH_DATA: "not enough data"
        default: "unknown error"
        }
    }
}
