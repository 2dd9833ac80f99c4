// Small C helpers for libjpeg and libpng. Both libraries report errors by calling a function that
// must not return, so they longjmp back to a setjmp; Swift frames cannot be jumped over, so every
// libjpeg/libpng call that can fail happens here, in C, and comes back to Swift as a status code.
#ifndef SIARAN_CODECS_H
#define SIARAN_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// Status codes shared by the decoders and encoders.
enum siaran_codec_status {
    SIARAN_CODEC_OK = 0,
    /// The library refused the data (corrupt or unsupported); the message says why.
    SIARAN_CODEC_CORRUPT = 1,
    /// The data ends before the image does.
    SIARAN_CODEC_TRUNCATED = 2,
    /// The row sink asked to stop.
    SIARAN_CODEC_ABORTED = 3,
    /// A progressive JPEG with more scans than allowed (a CPU bomb).
    SIARAN_CODEC_TOO_MANY_SCANS = 4,
    /// Memory could not be allocated.
    SIARAN_CODEC_NO_MEMORY = 5,
};

/// Receives decoded rows top to bottom, `channels` bytes per pixel. Returns non-zero to stop.
typedef int (*siaran_row_sink)(void *context, const uint8_t *row, int y, int width, int height, int channels);

/// What a JPEG header says.
typedef struct {
    int width;
    int height;
    int components;
    /// `J_COLOR_SPACE` of the file (1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK).
    int color_space;
    int saw_adobe_marker;
    int adobe_transform;
    int progressive;
} siaran_jpeg_header;

/// Reads the header only (cheap): size, colour space, Adobe marker.
int siaran_jpeg_read_header(const uint8_t *data, size_t size, siaran_jpeg_header *header,
                            char *message, size_t message_size);

/// Decodes to 8-bit RGB rows with DCT scaling `scale_num`/8 (1…16). Grayscale is expanded to RGB;
/// CMYK and YCCK are converted to RGB, inverting Adobe (Photoshop) CMYK.
int siaran_jpeg_decode(const uint8_t *data, size_t size, int scale_num, int max_scans,
                       siaran_row_sink sink, void *context, char *message, size_t message_size);

/// Encodes rows of `components` bytes per pixel (`input_color_space`: 1 gray, 2 RGB, 4 CMYK) to a
/// JPEG in `jpeg_color_space` (0 for the library default). No metadata but JFIF/Adobe markers.
/// On success `*output` is a malloc'd buffer the caller frees with `siaran_codec_free`.
int siaran_jpeg_encode(const uint8_t *pixels, int width, int height, int components,
                       int input_color_space, int jpeg_color_space, int quality, int progressive,
                       uint8_t **output, size_t *output_size, char *message, size_t message_size);

/// Decodes a PNG to 8-bit RGB (3 channels) or RGBA (4 channels, when the file has alpha or a
/// transparent colour): palette, low bit depths and 16-bit samples, grayscale and interlacing are
/// all converted.
int siaran_png_decode(const uint8_t *data, size_t size, siaran_row_sink sink, void *context,
                      char *message, size_t message_size);

/// Encodes 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4) rows to PNG (for tests and tools).
int siaran_png_encode(const uint8_t *pixels, int width, int height, int channels, int interlace,
                      uint8_t **output, size_t *output_size, char *message, size_t message_size);

/// Frees buffers returned by the encoders.
void siaran_codec_free(void *pointer);

#endif
