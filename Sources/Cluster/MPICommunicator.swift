import CMPI
import Communication
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `Communicator` on MPI's world communicator (Open MPI: `mpirun -np K …`, or `srun` under
/// Slurm). MPI is initialised once per process, on first use of ``world()``, and finalised when
/// the process exits normally; MPI errors are returned (not fatal) and thrown as
/// `CommunicatorError`.
///
/// Calls must come from one thread at a time (MPI is initialised with `MPI_THREAD_SERIALIZED`).
public final class MPICommunicator: Communicator, @unchecked Sendable {
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The number of processes in `MPI_COMM_WORLD`.
    public let size: Int
    let comm: MPI_Comm

    private convenience init() throws(CommunicatorError) {
        var provided: Int32 = 0
        try Self.check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
        guard provided >= Int32(MPI_THREAD_SERIALIZED) else {
            throw CommunicatorError("this MPI library gives thread level \(provided), calls from several threads need MPI_THREAD_SERIALIZED")
        }
        atexit { MPICommunicator.finalize() }
        try self.init(comm: cmpi_comm_world())
    }

    /// The communicator `comm` (the world, or a part split from it), with MPI errors returned.
    private init(comm: MPI_Comm) throws(CommunicatorError) {
        self.comm = comm
        try Self.check(MPI_Comm_set_errhandler(comm, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(comm, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Splits the ranks into parts (`MPI_Comm_split`): every rank calls it, and the ranks with the
    /// same `color` form one communicator, ranked by `key` (then by their rank here).
    /// - Parameters:
    ///   - color: this rank's part, at least 0.
    ///   - key: this rank's order in its part.
    /// - Returns: this rank's part.
    /// - Throws: `CommunicatorError` for a negative colour or an MPI error.
    public func split(color: Int, key: Int) throws(CommunicatorError) -> MPICommunicator {
        guard color >= 0, color <= Int(Int32.max) else { throw CommunicatorError("a part's colour must be in 0...\(Int32.max), got \(color)") }
        var part: MPI_Comm? = nil
        try Self.check(MPI_Comm_split(comm, Int32(color), Int32(clamping: key), &part), "MPI_Comm_split")
        guard let part else { throw CommunicatorError("MPI_Comm_split gave no communicator") }
        return try MPICommunicator(comm: part)
    }

    private static let shared = Mutex<Result<MPICommunicator, CommunicatorError>?>(nil)

    /// The communicator of this process: MPI's world when an MPI launcher started it
    /// (`Launcher/isMPI`), else a `SingleProcess` (MPI is not initialised then).
    /// - Throws: `CommunicatorError` when MPI cannot be initialised.
    public static func forThisProcess() throws(CommunicatorError) -> any Communicator {
        Launcher.isMPI ? try world() : SingleProcess()
    }

    /// The world communicator, initialising MPI on the first call (later calls return the same one).
    /// - Throws: `CommunicatorError` when MPI cannot be initialised.
    public static func world() throws(CommunicatorError) -> MPICommunicator {
        try shared.withLock { shared in
            if shared == nil { shared = Result { () throws(CommunicatorError) in try MPICommunicator() } }
            return shared!
        }.get()
    }

    /// The world communicator if MPI has been initialised (by ``world()``), else `nil`.
    public static var initialised: MPICommunicator? { shared.withLock { try? $0?.get() } }

    /// Ends every process of the job with `code` (after an error on one rank, so that the others do
    /// not wait for it in a collective forever). Does nothing when MPI was never initialised.
    public static func abort(code: Int32) {
        guard let world = initialised else { return }
        MPI_Abort(world.comm, code)
    }

    private static func finalize() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }

    /// Waits for every rank.
    /// - Throws: `CommunicatorError` when MPI reports an error.
    public func barrier() throws(CommunicatorError) {
        try Self.check(MPI_Barrier(comm), "MPI_Barrier")
    }

    /// `MPI_Bcast` of the values from `root`.
    /// - Throws: `CommunicatorError` for a root out of range or an MPI error.
    public func broadcast(_ values: inout [Float], root: Int) throws(CommunicatorError) {
        guard (0..<size).contains(root) else { throw CommunicatorError("broadcast root must be in 0..<\(size), got \(root)") }
        try Self.inChunks(&values) { (pointer, count) throws(CommunicatorError) in
            try Self.check(MPI_Bcast(pointer, count, cmpi_float(), Int32(root), comm), "MPI_Bcast")
        }
    }

    /// In-place `MPI_Allreduce` with `MPI_SUM` (divided by ``size`` for the average).
    /// - Throws: `CommunicatorError` when MPI reports an error.
    public func allreduce(_ values: inout [Float], _ reduction: Reduction) throws(CommunicatorError) {
        try Self.inChunks(&values) { (pointer, count) throws(CommunicatorError) in
            try Self.check(MPI_Allreduce(cmpi_in_place(), pointer, count, cmpi_float(), cmpi_sum(), comm), "MPI_Allreduce")
        }
        if reduction == .average { values.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] /= Float(size) } } }
    }

    /// In-place `MPI_Allreduce` with `MPI_SUM` in double precision (divided by ``size`` for the average).
    /// - Throws: `CommunicatorError` when MPI reports an error.
    public func allreduce(_ values: inout [Double], _ reduction: Reduction) throws(CommunicatorError) {
        try Self.inChunks(&values) { (pointer, count) throws(CommunicatorError) in
            try Self.check(MPI_Allreduce(cmpi_in_place(), pointer, count, cmpi_double(), cmpi_sum(), comm), "MPI_Allreduce")
        }
        if reduction == .average { for i in values.indices { values[i] /= Double(size) } }
    }

    /// Blocking `MPI_Send` of the bytes.
    /// - Throws: `CommunicatorError` for a destination or tag out of range, or an MPI error.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(CommunicatorError) {
        guard (0..<size).contains(destination), destination != rank else {
            throw CommunicatorError("send destination must be another rank in 0..<\(size), got \(destination) (this is rank \(rank))")
        }
        guard (0...32767).contains(tag) else { throw CommunicatorError("message tags are 0...32767, got \(tag)") }
        guard bytes.count <= Int(Int32.max) else { throw CommunicatorError("a message holds at most 2 GiB, got \(bytes.count) bytes") }
        try Self.check(bytes.withUnsafeBytes { MPI_Send($0.baseAddress, Int32($0.count), cmpi_byte(), Int32(destination), Int32(tag), comm) },
                       "MPI_Send to rank \(destination)")
    }

    /// `MPI_Probe` (or `MPI_Iprobe` polled every millisecond until `timeout`), then `MPI_Recv`.
    /// - Throws: `CommunicatorError` for a source out of range or an MPI error.
    public func receive(from source: Int?, tag: Int?, timeout: Double) throws(CommunicatorError) -> Message? {
        if let source, !(0..<size).contains(source) {
            throw CommunicatorError("receive source must be in 0..<\(size), got \(source)")
        }
        let from = Int32(source ?? Int(MPI_ANY_SOURCE)), label = Int32(tag ?? Int(MPI_ANY_TAG))
        var status = MPI_Status()
        if timeout.isInfinite {
            try Self.check(MPI_Probe(from, label, comm, &status), "MPI_Probe")
        } else {
            let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, timeout) * 1000))
            var found: Int32 = 0
            while true {
                try Self.check(MPI_Iprobe(from, label, comm, &found, &status), "MPI_Iprobe")
                if found != 0 { break }
                guard ContinuousClock.now < deadline else { return nil }
                usleep(1000)
            }
        }
        var count: Int32 = 0
        try Self.check(MPI_Get_count(&status, cmpi_byte(), &count), "MPI_Get_count")
        var bytes = [UInt8](repeating: 0, count: Int(count))
        let (sender, senderTag) = (status.MPI_SOURCE, status.MPI_TAG)
        try Self.check(bytes.withUnsafeMutableBytes { MPI_Recv($0.baseAddress, count, cmpi_byte(), sender, senderTag, comm, cmpi_status_ignore()) },
                       "MPI_Recv from rank \(sender)")
        return Message(source: Int(sender), tag: Int(senderTag), bytes: bytes)
    }

    /// Calls `body` on pieces of at most `Int32.max` elements (MPI counts are 32-bit).
    private static func inChunks<T>(_ values: inout [T], _ body: (UnsafeMutableRawPointer, Int32) throws(CommunicatorError) -> Void) throws(CommunicatorError) {
        let total = values.count
        try values.withUnsafeMutableBufferPointer { (buffer) throws(CommunicatorError) in
            var start = 0
            while start < total {
                let count = min(total - start, Int(Int32.max))
                try body(UnsafeMutableRawPointer(buffer.baseAddress! + start), Int32(count))
                start += count
            }
        }
    }

    /// Throws when an MPI call did not return `MPI_SUCCESS`, with MPI's description of the error.
    static func check(_ code: Int32, _ call: String) throws(CommunicatorError) {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw CommunicatorError("\(call) failed: \(message) (MPI error \(code))")
    }
}
