extension Kernels {
    /// `out[i] = a[i] + scale·b[i]` over `n` values, eight lanes at a time (`out` may be `a`):
    /// gradient sums (`scale = 1`, in place) and residual additions and subtractions. A plain loop
    /// in a closure that captures the buffers compiled to scalar code.
    @inline(__always)
    package static func add(_ a: UnsafePointer<Float>, _ scale: Float, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(load(a + i) + scale * load(b + i), out + i)
            i += 8
        }
        while i < n { out[i] = a[i] + scale * b[i]; i += 1 }
    }
}
