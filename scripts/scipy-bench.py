#!/usr/bin/env python3
"""scipy.signal on the large-kernel shapes of `wconv bench conv` (single channel, 'same' mode),
for comparison with its large-kernel table. Needs numpy and scipy (scripts/bench-venv makes a venv).

    python3 scripts/scipy-bench.py [--threads 2] [--repeats 5] [--mode same]

Prints, per shape, the best time in ms (after one warm-up) of scipy.signal.oaconvolve,
fftconvolve and convolve(method='auto'), float32, run inside scipy.fft.set_workers(threads),
then the fastest of the three by name and its time.
"""
import argparse
from bench_timing import best_seconds
import numpy as np
import scipy, scipy.fft, scipy.signal

SHAPES = [((65536,), (255,)), ((512, 512), (31, 31)), ((64, 64, 64), (15, 15, 15))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--mode', choices=['full', 'same', 'valid'], default='same')
    args = parser.parse_args()
    print(f'scipy {scipy.__version__}, {args.threads} workers, mode {args.mode}')
    print(f'{"signal ⊛ kernel":24} {"oaconvolve ms":>14} {"fftconvolve ms":>15} {"convolve auto ms":>17} {"fastest":>12} {"best ms":>8}')
    names = ['oaconvolve', 'fftconvolve', 'convolve']
    rng = np.random.default_rng(0)
    with scipy.fft.set_workers(args.threads):
        for signal, kernel in SHAPES:
            x = rng.standard_normal(signal).astype(np.float32)
            k = rng.standard_normal(kernel).astype(np.float32)
            times = [1000 * best_seconds(lambda f=f: f(x, k, mode=args.mode), args.repeats, warmups=1)
                     for f in (scipy.signal.oaconvolve, scipy.signal.fftconvolve, scipy.signal.convolve)]
            name = f'{list(signal)} ⊛ {list(kernel)}'
            fastest = names[times.index(min(times))]
            print(f'{name:24} {times[0]:14.2f} {times[1]:15.2f} {times[2]:17.2f} {fastest:>12} {min(times):8.2f}', flush=True)


if __name__ == '__main__':
    main()
