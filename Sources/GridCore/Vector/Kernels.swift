/// Vectorised reductions and element loops on raw buffers, shared by the convolution engines,
/// the normalisation layers and the losses.
///
/// Eight independent `Float` lanes make the loops vectorise (a plain `+=` loop cannot be
/// reassociated by the compiler) and cut the rounding error of long sums by about eight.
package enum Kernels {
    /// `Σ (a[i] − ca)·(b[i] − cb)` over `n` values: dot products (`ca = cb = 0`), sums of squared
    /// deviations (`a = b`, `ca = cb = μ`) and the centred products of normalisation backward passes.
    @inline(__always)
    package static func centredDot(_ a: UnsafePointer<Float>, _ ca: Float, _ b: UnsafePointer<Float>, _ cb: Float, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(), i = 0
        let sa = SIMD8<Float>(repeating: ca), sb = SIMD8<Float>(repeating: cb)
        while i + 8 <= n {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) - sa
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self) - sb
            lanes += x * y  // addProduct would call fmaf per lane without FMA hardware flags
            i += 8
        }
        var total = lanes.sum()
        while i < n { total += (a[i] - ca) * (b[i] - cb); i += 1 }
        return total
    }

    /// `Σ a[i]` over `n` values.
    @inline(__always)
    package static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(), i = 0
        while i + 8 <= n {
            lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < n { total += a[i]; i += 1 }
        return total
    }
}

extension Kernels {
    /// Eight values from `p` (any alignment).
    @inline(__always)
    package static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    /// Stores eight values at `p` (any alignment).
    @inline(__always)
    package static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }

    /// `out[i] = x[i] > 0 ? g[i] : 0` (branch-free): ReLU's forward (`g = x`) and backward pass.
    @inline(__always)
    package static func mask(_ g: UnsafePointer<Float>, wherePositive x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(load(g + i).replacing(with: 0, where: load(x + i) .<= 0), out + i)
            i += 8
        }
        while i < n { out[i] = x[i] > 0 ? g[i] : 0; i += 1 }
    }
}

extension Array where Element == Float {
    /// `count` values all written by `body` (no zero-filling first).
    @inline(__always)
    package static func filled(_ count: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
    }
}
