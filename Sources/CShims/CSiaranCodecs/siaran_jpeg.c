#include "siaran_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/// libjpeg's error manager plus the place to jump back to. `error_exit` must not return.
struct siaran_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    int status;
    char message[JMSG_LENGTH_MAX];
};

/// Progress monitor that stops progressive files with absurd scan counts (libjpeg-turbo's
/// TurboJPEG API applies the same guard; a crafted file can otherwise take minutes).
struct siaran_jpeg_progress {
    struct jpeg_progress_mgr manager;
    int max_scans;
};

static void siaran_jpeg_error_exit(j_common_ptr info) {
    struct siaran_jpeg_error *error = (struct siaran_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    if (error->status == SIARAN_CODEC_OK) {
        error->status = info->err->msg_code == JERR_OUT_OF_MEMORY ? SIARAN_CODEC_NO_MEMORY : SIARAN_CODEC_CORRUPT;
    }
    longjmp(error->jump, 1);
}

/// Warnings are silent, except running out of data: libjpeg would fill the rest with grey and
/// carry on, but a truncated upload must be reported, not sent half grey.
static void siaran_jpeg_emit_message(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        struct siaran_jpeg_error *error = (struct siaran_jpeg_error *)info->err;
        error->status = SIARAN_CODEC_TRUNCATED;
        siaran_jpeg_error_exit(info);
    }
    if (level < 0) { info->err->num_warnings++; }
}

static void siaran_jpeg_output_message(j_common_ptr info) { (void)info; }

static void siaran_jpeg_progress_monitor(j_common_ptr info) {
    if (!info->is_decompressor) { return; }
    j_decompress_ptr decompress = (j_decompress_ptr)info;
    struct siaran_jpeg_progress *progress = (struct siaran_jpeg_progress *)info->progress;
    if (progress->max_scans > 0 && decompress->input_scan_number > progress->max_scans) {
        struct siaran_jpeg_error *error = (struct siaran_jpeg_error *)info->err;
        error->status = SIARAN_CODEC_TOO_MANY_SCANS;
        snprintf(error->message, sizeof error->message, "more than %d progressive scans", progress->max_scans);
        longjmp(error->jump, 1);
    }
}

static void siaran_jpeg_install_error(struct siaran_jpeg_error *error) {
    memset(error, 0, sizeof *error);
    jpeg_std_error(&error->manager);
    error->manager.error_exit = siaran_jpeg_error_exit;
    error->manager.emit_message = siaran_jpeg_emit_message;
    error->manager.output_message = siaran_jpeg_output_message;
}

static void siaran_copy_message(char *message, size_t message_size, const char *text) {
    if (message != NULL && message_size > 0) { snprintf(message, message_size, "%s", text); }
}

int siaran_jpeg_read_header(const uint8_t *data, size_t size, siaran_jpeg_header *header,
                            char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct siaran_jpeg_error error;
    siaran_jpeg_install_error(&error);
    info.err = &error.manager;
    if (setjmp(error.jump)) {
        siaran_copy_message(message, message_size, error.message);
        jpeg_destroy_decompress(&info);
        return error.status;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    header->width = (int)info.image_width;
    header->height = (int)info.image_height;
    header->components = info.num_components;
    header->color_space = (int)info.jpeg_color_space;
    header->saw_adobe_marker = info.saw_Adobe_marker;
    header->adobe_transform = info.Adobe_transform;
    header->progressive = info.progressive_mode;
    jpeg_destroy_decompress(&info);
    return SIARAN_CODEC_OK;
}

/// CMYK to RGB without a colour profile. Adobe (Photoshop) files store the inks inverted, so a
/// stored value is already 255 - ink; plain CMYK files are inverted first.
static void siaran_cmyk_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

int siaran_jpeg_decode(const uint8_t *data, size_t size, int scale_num, int max_scans,
                       siaran_row_sink sink, void *context, char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct siaran_jpeg_error error;
    struct siaran_jpeg_progress progress;
    siaran_jpeg_install_error(&error);
    memset(&progress, 0, sizeof progress);
    progress.manager.progress_monitor = siaran_jpeg_progress_monitor;
    progress.max_scans = max_scans;
    info.err = &error.manager;
    if (setjmp(error.jump)) {
        siaran_copy_message(message, message_size, error.message);
        jpeg_destroy_decompress(&info);
        return error.status;
    }
    jpeg_create_decompress(&info);
    info.progress = &progress.manager;
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);

    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    info.scale_num = (unsigned)(scale_num < 1 ? 1 : (scale_num > 16 ? 16 : scale_num));
    info.scale_denom = 8;
    info.dct_method = JDCT_ISLOW;
    info.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&info);

    JDIMENSION width = info.output_width;
    int components = info.output_components;
    JSAMPARRAY row = (*info.mem->alloc_sarray)((j_common_ptr)&info, JPOOL_IMAGE, width * (JDIMENSION)components, 1);
    JSAMPARRAY rgb = cmyk ? (*info.mem->alloc_sarray)((j_common_ptr)&info, JPOOL_IMAGE, width * 3, 1) : NULL;
    while (info.output_scanline < info.output_height) {
        int y = (int)info.output_scanline;
        if (jpeg_read_scanlines(&info, row, 1) != 1) {
            error.status = SIARAN_CODEC_TRUNCATED;
            snprintf(error.message, sizeof error.message, "the image data ends early");
            longjmp(error.jump, 1);
        }
        const uint8_t *out = row[0];
        if (cmyk) {
            siaran_cmyk_to_rgb(row[0], rgb[0], width, info.saw_Adobe_marker);
            out = rgb[0];
        }
        if (sink(context, out, y, (int)width, (int)info.output_height, 3) != 0) {
            error.status = SIARAN_CODEC_ABORTED;
            snprintf(error.message, sizeof error.message, "stopped");
            longjmp(error.jump, 1);
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return SIARAN_CODEC_OK;
}

/// Where an encode writes; kept in memory the longjmp cannot roll back.
struct siaran_jpeg_output {
    unsigned char *buffer;
    unsigned long size;
};

int siaran_jpeg_encode(const uint8_t *pixels, int width, int height, int components,
                       int input_color_space, int jpeg_color_space, int quality, int progressive,
                       uint8_t **output, size_t *output_size, char *message, size_t message_size) {
    struct jpeg_compress_struct info;
    struct siaran_jpeg_error error;
    struct siaran_jpeg_output *volatile destination = calloc(1, sizeof(struct siaran_jpeg_output));
    if (destination == NULL) { return SIARAN_CODEC_NO_MEMORY; }
    siaran_jpeg_install_error(&error);
    info.err = &error.manager;
    if (setjmp(error.jump)) {
        siaran_copy_message(message, message_size, error.message);
        jpeg_destroy_compress(&info);
        free(destination->buffer);
        free(destination);
        return error.status;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &destination->buffer, &destination->size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = components;
    info.in_color_space = (J_COLOR_SPACE)input_color_space;
    jpeg_set_defaults(&info);
    if (jpeg_color_space != 0) { jpeg_set_colorspace(&info, (J_COLOR_SPACE)jpeg_color_space); }
    jpeg_set_quality(&info, quality, TRUE);
    info.optimize_coding = TRUE;
    info.dct_method = JDCT_ISLOW;
    if (progressive) { jpeg_simple_progression(&info); }
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * (size_t)components;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * info.next_scanline);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *output = destination->buffer;
    *output_size = destination->size;
    free(destination);
    return SIARAN_CODEC_OK;
}

void siaran_codec_free(void *pointer) { free(pointer); }
