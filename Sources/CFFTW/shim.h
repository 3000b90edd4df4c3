// Single-precision FFTW (Debian libfftw3-dev) with its threads library.
#include <fftw3.h>
