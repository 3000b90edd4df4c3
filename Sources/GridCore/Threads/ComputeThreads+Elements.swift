extension ComputeThreads {
    /// Fewest elements an element-wise loop is split for: below this, waking a second thread
    /// costs more than it saves.
    package static let fewestElementsToSplit = 1 << 15

    /// Calls `body` on contiguous slices covering `0..<count` for an element-wise loop (each
    /// element written from the same elements of its inputs, so the result does not depend on
    /// the split): one slice below ``fewestElementsToSplit`` elements, otherwise one per thread,
    /// every slice but the last a whole number of `SIMD8` vectors long.
    ///
    /// As for ``split(_:_:)``, `body` must only write memory that is disjoint per slice.
    package static func splitElements(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count >= fewestElementsToSplit else {
            if count > 0 { body(0..<count) }
            return
        }
        let vectors = (count + 7) / 8
        split(vectors) { part in body((part.lowerBound * 8)..<Swift.min(count, part.upperBound * 8)) }
    }
}
