#if canImport(Glibc)
import Glibc
#endif

/// Checked arithmetic on sizes that come from files or users, and the memory this machine has.
///
/// Release builds of this package are compiled without overflow checks, so a product of extents
/// read from a file must be checked explicitly before it sizes a buffer or an index: a wrapped
/// product would let a corrupt header address memory outside its data.
public enum SizeLimits {
    /// The product of `extents`, or `nil` when an extent is negative or the product overflows `Int`.
    public static func product(_ extents: some Sequence<Int>) -> Int? {
        var result = 1
        for extent in extents {
            guard extent >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            result = next
        }
        return result
    }

    /// `a + b`, or `nil` when it overflows `Int`.
    public static func sum(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }

    /// Bytes of physical memory of this machine (`Int.max` when it cannot be read).
    public static let physicalMemory: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        return product([pages, size]) ?? Int.max
    }()

    /// Whether `count` elements of `width` bytes fit in the physical memory; a buffer that does
    /// not is refused with an error before allocation, instead of aborting the process.
    public static func fitsInMemory(count: Int, width: Int) -> Bool {
        guard let bytes = product([count, width]) else { return false }
        return bytes <= physicalMemory
    }

    /// A size in binary units for messages, e.g. `7.7 GiB`.
    public static func describe(bytes: Double) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = bytes, unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(Int(value)) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
