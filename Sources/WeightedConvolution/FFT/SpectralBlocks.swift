import CMatrixProduct

/// Spectra of several signals stored in blocks of 16 frequencies, so that the channel sums of an
/// FFT convolution become complex matrix products per frequency (`wc_spectral_product`).
///
/// An element is one signal's block of frequencies: 16 real parts then 16 imaginary parts (the
/// last block zero-padded past `frequencies`). Frequency-major storage (``blockMajor``) keeps a
/// block of every signal together, so a product over channels reads a few hundred kilobytes that
/// stay in the second-level cache; signal-major storage (``signalMajor``) keeps each signal's
/// blocks together, a row-major `signals × 32·blocks` matrix.
struct SpectralBlocks {
    /// Frequencies per block.
    static let lanes = Int(WC_SPECTRAL_LANES)
    /// Floats per element: a block of one signal.
    static let elementWidth = 2 * lanes

    /// Signals stored.
    let signals: Int
    /// Blocks of frequencies per signal, `⌈frequencies / 16⌉`.
    let blocks: Int
    /// Complex frequencies per signal.
    let frequencies: Int
    /// Floats between the elements of neighbouring signals in one block.
    let signalStride: Int
    /// Floats between neighbouring blocks of one signal.
    let blockStride: Int

    private init(signals: Int, frequencies: Int, signalMajor: Bool) {
        self.signals = signals
        self.frequencies = frequencies
        blocks = (frequencies + Self.lanes - 1) / Self.lanes
        signalStride = signalMajor ? blocks * Self.elementWidth : Self.elementWidth
        blockStride = signalMajor ? Self.elementWidth : signals * Self.elementWidth
    }

    /// `signals` spectra of `frequencies` values, a block of every signal together.
    static func blockMajor(signals: Int, frequencies: Int) -> SpectralBlocks {
        SpectralBlocks(signals: signals, frequencies: frequencies, signalMajor: false)
    }

    /// `signals` spectra of `frequencies` values, each signal's blocks together.
    static func signalMajor(signals: Int, frequencies: Int) -> SpectralBlocks {
        SpectralBlocks(signals: signals, frequencies: frequencies, signalMajor: true)
    }

    /// Floats of the whole storage.
    var count: Int { signals * blocks * Self.elementWidth }

    /// Stores the interleaved complex `spectrum` (`2·frequencies` floats) as signal `signal`.
    func store(_ spectrum: UnsafePointer<Float>, signal: Int, into storage: UnsafeMutablePointer<Float>) {
        let lanes = Self.lanes
        for block in 0..<blocks {
            let element = storage + signal * signalStride + block * blockStride, first = block * lanes
            let filled = Swift.min(lanes, frequencies - first)
            for l in 0..<filled {
                element[l] = spectrum[2 * (first + l)]
                element[lanes + l] = spectrum[2 * (first + l) + 1]
            }
            for l in filled..<lanes {
                element[l] = 0
                element[lanes + l] = 0
            }
        }
    }

    /// Writes signal `signal` as an interleaved complex spectrum (`2·frequencies` floats).
    func load(signal: Int, from storage: UnsafePointer<Float>, into spectrum: UnsafeMutablePointer<Float>) {
        let lanes = Self.lanes
        for block in 0..<blocks {
            let element = storage + signal * signalStride + block * blockStride, first = block * lanes
            for l in 0..<Swift.min(lanes, frequencies - first) {
                spectrum[2 * (first + l)] = element[l]
                spectrum[2 * (first + l) + 1] = element[lanes + l]
            }
        }
    }
}

/// Spectra in ``SpectralBlocks`` storage.
struct StoredSpectra {
    /// The first float of the storage.
    let storage: UnsafeMutablePointer<Float>
    /// How the spectra are stored.
    let layout: SpectralBlocks

    /// The matrix whose element `(i, p)` is the signal `first + i·rowStep + p·depthStep`.
    func matrix(first: Int, rowStep: Int, depthStep: Int) -> SpectralMatrix {
        SpectralMatrix(storage: storage, layout: layout, first: first, rowStep: rowStep, depthStep: depthStep)
    }
}

/// A matrix of spectra inside ``SpectralBlocks`` storage: element `(i, p)` is the signal
/// `first + i·rowStep + p·depthStep` (for a result, `p` is the column).
struct SpectralMatrix {
    /// The storage and its layout.
    let storage: UnsafeMutablePointer<Float>
    let layout: SpectralBlocks
    /// The signal of element (0, 0) and the signal steps along rows and depth (or columns).
    let first: Int, rowStep: Int, depthStep: Int

    /// The first element at block `block` and the strides in floats.
    fileprivate func start(_ block: Int) -> (UnsafeMutablePointer<Float>, wc_spectral_strides) {
        let s = layout.signalStride
        return (storage + first * s + block * layout.blockStride,
                wc_spectral_strides(row: rowStep * s, depth: depthStep * s, block: layout.blockStride))
    }
}

extension SpectralBlocks {
    /// `C = A · op(B)` for the blocks of frequencies `blocks`, each lane a complex `m × n` product
    /// over depth `k`: `C(i, j) = Σ_p A(i, p) · op(B(j, p))`, `op` conjugating when `conjugateB`.
    static func multiply(blocks: Range<Int>, m: Int, n: Int, k: Int, _ a: SpectralMatrix, _ b: SpectralMatrix,
                         conjugateB: Bool, into c: SpectralMatrix) {
        let (ap, astrides) = a.start(blocks.lowerBound), (bp, bstrides) = b.start(blocks.lowerBound)
        let (cp, cstrides) = c.start(blocks.lowerBound)
        wc_spectral_product(blocks.count, m, n, k, ap, astrides, bp, bstrides, conjugateB ? 1 : 0, cp, cstrides)
    }
}
