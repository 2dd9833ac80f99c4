#include "siaran_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

/// State one decode or encode shares with libpng's callbacks; lives on the heap so the values
/// are still there after a longjmp.
struct siaran_png_state {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int status;
    char message[200];
    uint8_t *image;
    uint8_t **rows;
    uint8_t *output;
    size_t output_size;
    size_t output_capacity;
};

static void siaran_png_error(png_structp png, png_const_charp text) {
    struct siaran_png_state *state = (struct siaran_png_state *)png_get_error_ptr(png);
    if (state->status == SIARAN_CODEC_OK) { state->status = SIARAN_CODEC_CORRUPT; }
    snprintf(state->message, sizeof state->message, "%s", text);
    png_longjmp(png, 1);
}

static void siaran_png_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void siaran_png_read(png_structp png, png_bytep out, size_t length) {
    struct siaran_png_state *state = (struct siaran_png_state *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        state->status = SIARAN_CODEC_TRUNCATED;
        png_error(png, "the image data ends early");
    }
    memcpy(out, state->data + state->offset, length);
    state->offset += length;
}

static void siaran_png_copy(char *message, size_t message_size, const char *text) {
    if (message != NULL && message_size > 0) { snprintf(message, message_size, "%s", text); }
}

int siaran_png_decode(const uint8_t *data, size_t size, siaran_row_sink sink, void *context,
                      char *message, size_t message_size) {
    struct siaran_png_state *state = calloc(1, sizeof *state);
    if (state == NULL) { return SIARAN_CODEC_NO_MEMORY; }
    state->data = data;
    state->size = size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, state, siaran_png_error, siaran_png_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(state);
        return SIARAN_CODEC_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        int status = state->status;
        siaran_png_copy(message, message_size, state->message);
        png_destroy_read_struct(&png, &info, NULL);
        free(state->rows);
        free(state->image);
        free(state);
        return status;
    }
    png_set_read_fn(png, state, siaran_png_read);
    // Text and other ancillary chunks are not needed; skipping them keeps their memory bounded.
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_chunk_malloc_max(png, 8 * 1024 * 1024);
    png_read_info(png, info);

    int color_type = png_get_color_type(png, info);
    png_set_expand(png);
    png_set_scale_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) { png_set_gray_to_rgb(png); }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int width = (int)png_get_image_width(png, info);
    int height = (int)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels != 3 && channels != 4) {
        png_error(png, "unexpected channel count after conversion");
    }
    if (passes > 1) {
        // Interlaced rows arrive in seven passes; the whole image has to be held.
        state->image = malloc(row_bytes * (size_t)height);
        state->rows = malloc(sizeof(uint8_t *) * (size_t)height);
        if (state->image == NULL || state->rows == NULL) {
            state->status = SIARAN_CODEC_NO_MEMORY;
            png_error(png, "out of memory");
        }
        for (int y = 0; y < height; y++) { state->rows[y] = state->image + row_bytes * (size_t)y; }
        png_read_image(png, state->rows);
        for (int y = 0; y < height; y++) {
            if (sink(context, state->rows[y], y, width, height, channels) != 0) {
                state->status = SIARAN_CODEC_ABORTED;
                png_error(png, "stopped");
            }
        }
    } else {
        state->image = malloc(row_bytes);
        if (state->image == NULL) {
            state->status = SIARAN_CODEC_NO_MEMORY;
            png_error(png, "out of memory");
        }
        for (int y = 0; y < height; y++) {
            png_read_row(png, state->image, NULL);
            if (sink(context, state->image, y, width, height, channels) != 0) {
                state->status = SIARAN_CODEC_ABORTED;
                png_error(png, "stopped");
            }
        }
    }
    // Up to IEND: a file cut after its last image row is still a cut file.
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(state->rows);
    free(state->image);
    free(state);
    return SIARAN_CODEC_OK;
}

static void siaran_png_write(png_structp png, png_bytep bytes, size_t length) {
    struct siaran_png_state *state = (struct siaran_png_state *)png_get_io_ptr(png);
    if (state->output_size + length > state->output_capacity) {
        size_t capacity = state->output_capacity == 0 ? 65536 : state->output_capacity;
        while (capacity < state->output_size + length) { capacity *= 2; }
        uint8_t *grown = realloc(state->output, capacity);
        if (grown == NULL) {
            state->status = SIARAN_CODEC_NO_MEMORY;
            png_error(png, "out of memory");
        }
        state->output = grown;
        state->output_capacity = capacity;
    }
    memcpy(state->output + state->output_size, bytes, length);
    state->output_size += length;
}

static void siaran_png_flush(png_structp png) { (void)png; }

int siaran_png_encode(const uint8_t *pixels, int width, int height, int channels, int interlace,
                      uint8_t **output, size_t *output_size, char *message, size_t message_size) {
    static const int color_types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4) { return SIARAN_CODEC_CORRUPT; }
    struct siaran_png_state *state = calloc(1, sizeof *state);
    if (state == NULL) { return SIARAN_CODEC_NO_MEMORY; }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, state, siaran_png_error, siaran_png_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, NULL);
        free(state);
        return SIARAN_CODEC_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        int status = state->status;
        siaran_png_copy(message, message_size, state->message);
        png_destroy_write_struct(&png, &info);
        free(state->rows);
        free(state->output);
        free(state);
        return status;
    }
    png_set_write_fn(png, state, siaran_png_write, siaran_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels],
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    state->rows = malloc(sizeof(uint8_t *) * (size_t)height);
    if (state->rows == NULL) {
        state->status = SIARAN_CODEC_NO_MEMORY;
        png_error(png, "out of memory");
    }
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) { state->rows[y] = (uint8_t *)pixels + stride * (size_t)y; }
    png_write_image(png, state->rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *output = state->output;
    *output_size = state->output_size;
    free(state->rows);
    free(state);
    return SIARAN_CODEC_OK;
}
