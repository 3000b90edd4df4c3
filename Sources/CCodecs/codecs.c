#include "codecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <limits.h>
#include <zlib.h>

void wc_free(void *buffer) { free(buffer); }

static int fail(char *message, size_t size, const char *text) {
    if (message && size) { snprintf(message, size, "%s", text); }
    return 1;
}

int wc_gunzip(const unsigned char *data, size_t size, size_t limit, unsigned char **out, size_t *outSize,
              char *message, size_t messageSize) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 15 + 32) != Z_OK) return fail(message, messageSize, "zlib initialisation failed");
    size_t capacity = size < limit / 4 ? size * 4 + 1024 : limit + 1, used = 0;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) { inflateEnd(&stream); return fail(message, messageSize, "out of memory"); }
    if (size > UINT_MAX) { free(buffer); inflateEnd(&stream); return fail(message, messageSize, "gzip file larger than 4 GiB"); }
    stream.next_in = (unsigned char *)data;
    stream.avail_in = (uInt)size;
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        if (used == capacity) {
            if (used > limit) {
                free(buffer);
                inflateEnd(&stream);
                char text[160];
                snprintf(text, sizeof text, "gzip data inflates to more than %zu bytes (the limit; a gzip bomb?)", limit);
                return fail(message, messageSize, text);
            }
            capacity = capacity > limit / 2 ? limit + 1 : capacity * 2;
            unsigned char *grown = realloc(buffer, capacity);
            if (!grown) { free(buffer); inflateEnd(&stream); return fail(message, messageSize, "out of memory"); }
            buffer = grown;
        }
        stream.next_out = buffer + used;
        stream.avail_out = (uInt)(capacity - used);
        status = inflate(&stream, Z_NO_FLUSH);
        used = capacity - stream.avail_out;
        if (status == Z_BUF_ERROR && stream.avail_in == 0) status = Z_DATA_ERROR;  // truncated
        if (status != Z_OK && status != Z_STREAM_END) {
            free(buffer);
            inflateEnd(&stream);
            return fail(message, messageSize, status == Z_DATA_ERROR ? "corrupt or truncated gzip data" : "gzip inflate failed");
        }
    }
    inflateEnd(&stream);
    *out = buffer;
    *outSize = used;
    return 0;
}

int wc_gzip(const unsigned char *data, size_t size, unsigned char **out, size_t *outSize,
            char *message, size_t messageSize) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return fail(message, messageSize, "zlib initialisation failed");
    size_t capacity = deflateBound(&stream, (uLong)size) + 32;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) { deflateEnd(&stream); return fail(message, messageSize, "out of memory"); }
    stream.next_in = (unsigned char *)data;
    stream.avail_in = (uInt)size;
    stream.next_out = buffer;
    stream.avail_out = (uInt)capacity;
    int status = deflate(&stream, Z_FINISH);
    deflateEnd(&stream);
    if (status != Z_STREAM_END) { free(buffer); return fail(message, messageSize, "gzip deflate failed"); }
    *out = buffer;
    *outSize = capacity - stream.avail_out;
    return 0;
}

// ---- PNG ----

struct png_source { const unsigned char *data; size_t size, offset; };
struct png_sink { unsigned char *data; size_t size, capacity; };
struct png_failure { jmp_buf jump; char *message; size_t size; };

static void png_error_handler(png_structp png, png_const_charp text) {
    struct png_failure *failure = png_get_error_ptr(png);
    fail(failure->message, failure->size, text);
    longjmp(failure->jump, 1);
}

static void png_warning_handler(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void png_read_memory(png_structp png, png_bytep out, png_size_t count) {
    struct png_source *source = png_get_io_ptr(png);
    if (source->offset + count > source->size) png_error(png, "truncated PNG data");
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

static void png_write_memory(png_structp png, png_bytep in, png_size_t count) {
    struct png_sink *sink = png_get_io_ptr(png);
    if (sink->size + count > sink->capacity) {
        size_t capacity = (sink->capacity + count) * 2;
        unsigned char *grown = realloc(sink->data, capacity);
        if (!grown) png_error(png, "out of memory");
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, in, count);
    sink->size += count;
}

static void png_flush_memory(png_structp png) { (void)png; }

int wc_decode_png(const unsigned char *data, size_t size, size_t maxPixels, unsigned char **pixels, int *width,
                  int *height, int *channels, int *bitDepth, char *message, size_t messageSize) {
    if (size < 8 || png_sig_cmp(data, 0, 8)) return fail(message, messageSize, "not a PNG file (bad signature)");
    struct png_failure failure = { .message = message, .size = messageSize };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, png_error_handler, png_warning_handler);
    if (!png) return fail(message, messageSize, "libpng initialisation failed");
    png_infop info = png_create_info_struct(png);
    struct png_source source = { data, size, 0 };
    unsigned char *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(failure.jump)) {
        free(buffer);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &source, png_read_memory);
    png_read_info(png, info);
    if ((size_t)png_get_image_width(png, info) * (size_t)png_get_image_height(png, info) > maxPixels) {
        char text[160];
        snprintf(text, sizeof text, "%u×%u pixels is more than the limit of %zu", png_get_image_width(png, info),
                 png_get_image_height(png, info), maxPixels);
        png_error(png, text);
    }
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_swap(png);  // little-endian hosts: native order
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    int c = png_get_channels(png, info), d = png_get_bit_depth(png, info);
    size_t rowBytes = png_get_rowbytes(png, info);
    buffer = malloc(rowBytes * (size_t)h);
    rows = malloc(sizeof(png_bytep) * (size_t)h);
    if (!buffer || !rows) png_error(png, "out of memory");
    for (int y = 0; y < h; y++) rows[y] = buffer + rowBytes * (size_t)y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = buffer;
    *width = w; *height = h; *channels = c; *bitDepth = d;
    return 0;
}

int wc_encode_png(const unsigned char *pixels, int width, int height, int channels, int bitDepth,
                  const unsigned char *palette, int paletteCount, unsigned char **out, size_t *outSize,
                  char *message, size_t messageSize) {
    static const int types[] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA };
    if (channels < 1 || channels > 4 || (bitDepth != 8 && bitDepth != 16) || (palette && (channels != 1 || bitDepth != 8)))
        return fail(message, messageSize, "unsupported PNG layout");
    struct png_failure failure = { .message = message, .size = messageSize };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, png_error_handler, png_warning_handler);
    if (!png) return fail(message, messageSize, "libpng initialisation failed");
    png_infop info = png_create_info_struct(png);
    struct png_sink sink = { NULL, 0, 0 };
    if (!info || setjmp(failure.jump)) {
        free(sink.data);
        png_destroy_write_struct(&png, &info);
        return 1;
    }
    png_set_write_fn(png, &sink, png_write_memory, png_flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bitDepth,
                 palette ? PNG_COLOR_TYPE_PALETTE : types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette) png_set_PLTE(png, info, (png_const_colorp)palette, paletteCount);
    png_write_info(png, info);
    if (bitDepth == 16) png_set_swap(png);
    size_t rowBytes = (size_t)width * (size_t)channels * (size_t)(bitDepth / 8);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + rowBytes * (size_t)y));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = sink.data;
    *outSize = sink.size;
    return 0;
}

// ---- JPEG ----

struct jpeg_failure { struct jpeg_error_mgr manager; jmp_buf jump; char *message; size_t size; };

static void jpeg_error_handler(j_common_ptr cinfo) {
    struct jpeg_failure *failure = (struct jpeg_failure *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    fail(failure->message, failure->size, text);
    longjmp(failure->jump, 1);
}

/// Corrupt-data warnings (level -1: truncated data, bad Huffman codes, extraneous bytes) are
/// errors for the decoder: libjpeg would otherwise fill the damage with grey and succeed.
static void jpeg_warning_is_error(j_common_ptr cinfo, int level) {
    if (level < 0) jpeg_error_handler(cinfo);
}

int wc_decode_jpeg(const unsigned char *data, size_t size, size_t maxPixels, unsigned char **pixels, int *width,
                   int *height, int *channels, char *message, size_t messageSize) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_failure failure = { .message = message, .size = messageSize };
    unsigned char *volatile buffer = NULL;
    cinfo.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_error_handler;
    failure.manager.emit_message = jpeg_warning_is_error;
    if (setjmp(failure.jump)) {
        free(buffer);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((size_t)cinfo.image_width * (size_t)cinfo.image_height > maxPixels) {
        snprintf(message, messageSize, "%u×%u pixels is more than the limit of %zu", cinfo.image_width,
                 cinfo.image_height, maxPixels);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, c = cinfo.output_components;
    size_t rowBytes = (size_t)w * (size_t)c;
    buffer = malloc(rowBytes * (size_t)h);
    if (!buffer) { fail(message, messageSize, "out of memory"); jpeg_destroy_decompress(&cinfo); return 1; }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + rowBytes * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *pixels = buffer;
    *width = w; *height = h; *channels = c;
    return 0;
}

int wc_encode_jpeg(const unsigned char *pixels, int width, int height, int channels, int quality,
                   unsigned char **out, size_t *outSize, char *message, size_t messageSize) {
    if (channels != 1 && channels != 3) return fail(message, messageSize, "JPEG needs 1 or 3 channels");
    struct jpeg_compress_struct cinfo;
    struct jpeg_failure failure = { .message = message, .size = messageSize };
    unsigned char *volatile memory = NULL;
    unsigned long memorySize = 0;
    cinfo.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_error_handler;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(memory);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&memory, &memorySize);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t rowBytes = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + rowBytes * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = memory;
    *outSize = memorySize;
    return 0;
}
