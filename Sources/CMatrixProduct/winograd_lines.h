// Window gathers and output interleaves of the Winograd tiles (private to CMatrixProduct): the
// tiles of a run along a line are m values apart, so each window position of 16 tiles is a
// stride-m pick out of the line, and each output line interleaves the m output phases.
#ifndef WEIGHTED_CONV_WINOGRAD_LINES_H
#define WEIGHTED_CONV_WINOGRAD_LINES_H
#include <immintrin.h>
#include <stddef.h>

enum { WC_LINE_LANES = 16, WC_LINE_MAX_ALPHA = 8 };

// Which lanes of which loaded vector every window position k picks (see window_lines).
typedef struct {
    int chunks;
    int index[WC_LINE_MAX_ALPHA][WC_LINE_LANES];
    __mmask16 from[WC_LINE_MAX_ALPHA][WC_LINE_MAX_ALPHA];
} window_picks;

/// The picks of window positions k < width for tiles m apart.
window_picks wc_window_picks(int m, int width);

/// dst[k·lanes + j] = line[start + j·m + k] for k < width, j < count, zero outside [0, length).
void wc_window_lines(const float *line, ptrdiff_t length, ptrdiff_t start, int m, int width, ptrdiff_t count,
                     ptrdiff_t lanes, float *dst, const window_picks *picks);

// Which phase (output q of a tile) and lane every value of m consecutive output vectors takes.
typedef struct {
    int index[WC_LINE_MAX_ALPHA][WC_LINE_LANES];
    __mmask16 from[WC_LINE_MAX_ALPHA][WC_LINE_MAX_ALPHA];
} interleave_picks;

/// The picks of m output phases.
interleave_picks wc_interleave_picks(int m);

/// line[j·m + q] = phases[q·lanes + j] for j·m + q < width (phases rows readable 16 floats past
/// every run).
void wc_interleave_lines(const float *phases, ptrdiff_t lanes, int m, ptrdiff_t width, float *line,
                         const interleave_picks *picks);

/// The first `count` of 16 lanes (all for count ≥ 16, none for count ≤ 0).
__mmask16 wc_lane_mask(ptrdiff_t count);

#endif
