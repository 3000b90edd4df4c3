// Error-safe C shims over zlib, libpng and libjpeg(-turbo). The libraries report errors by
// longjmp or exit by default; these functions catch that and return a non-zero code with a
// message instead. Buffers they allocate are released with wc_free.
#ifndef WEIGHTED_CONV_CODECS_H
#define WEIGHTED_CONV_CODECS_H
#include <stddef.h>

/// Releases a buffer returned by one of the functions below.
void wc_free(void *buffer);

/// Inflates gzip (or zlib) data, failing when the result would exceed `limit` bytes.
/// Returns 0 on success.
int wc_gunzip(const unsigned char *data, size_t size, size_t limit, unsigned char **out, size_t *outSize,
              char *message, size_t messageSize);

/// Compresses data in the gzip format. Returns 0 on success.
int wc_gzip(const unsigned char *data, size_t size, unsigned char **out, size_t *outSize,
            char *message, size_t messageSize);

/// Decodes a PNG into interleaved samples: 1-4 channels (grey, grey+alpha, RGB, RGBA; palettes
/// expand to RGB or RGBA), 8 or 16 bits (16-bit samples in native byte order). Images of more than
/// `maxPixels` pixels are refused before any pixel buffer is allocated. Returns 0 on success.
int wc_decode_png(const unsigned char *data, size_t size, size_t maxPixels, unsigned char **pixels, int *width,
                  int *height, int *channels, int *bitDepth, char *message, size_t messageSize);

/// Encodes interleaved samples as a PNG. With `palette` (RGB triples, `paletteCount` entries),
/// `pixels` holds one 8-bit index per pixel and `channels` must be 1. 16-bit samples are in
/// native byte order. Returns 0 on success.
int wc_encode_png(const unsigned char *pixels, int width, int height, int channels, int bitDepth,
                  const unsigned char *palette, int paletteCount, unsigned char **out, size_t *outSize,
                  char *message, size_t messageSize);

/// Decodes a JPEG into 8-bit interleaved grey (1 channel) or RGB (3 channels). Corrupt or
/// truncated data (which libjpeg only warns about) is an error; images of more than `maxPixels`
/// pixels are refused before any pixel buffer is allocated. Returns 0 on success.
int wc_decode_jpeg(const unsigned char *data, size_t size, size_t maxPixels, unsigned char **pixels, int *width,
                   int *height, int *channels, char *message, size_t messageSize);

/// Encodes 8-bit grey or RGB samples as a JPEG of the given quality (1-100). Returns 0 on success.
int wc_encode_jpeg(const unsigned char *pixels, int width, int height, int channels, int quality,
                   unsigned char **out, size_t *outSize, char *message, size_t messageSize);

#endif
