import CMPI
import Communication

extension MPICommunicator {
    /// `MPI_Iallreduce` with `MPI_SUM` on a copy of `values` (in pieces of at most `Int32.max`).
    /// - Parameter values: this rank's contribution; same count on every rank.
    /// - Returns: the sum in progress.
    /// - Throws: `CommunicatorError` when MPI reports an error.
    public func startAllreduce(_ values: [Float]) throws(CommunicatorError) -> any PendingSum {
        try MPIPendingSum(values, comm: comm)
    }
}

/// A non-blocking sum over the ranks: it owns the buffer MPI writes into until the requests end.
final class MPIPendingSum: PendingSum {
    private let buffer: UnsafeMutableBufferPointer<Float>
    private var requests: [MPI_Request?] = []

    init(_ values: [Float], comm: MPI_Comm) throws(CommunicatorError) {
        buffer = .allocate(capacity: values.count)
        _ = buffer.initialize(from: values)
        var start = 0
        while start < values.count {
            let count = min(values.count - start, Int(Int32.max))
            var request: MPI_Request? = cmpi_request_null()
            do {
                try MPICommunicator.check(MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress! + start, Int32(count), cmpi_float(), cmpi_sum(), comm, &request),
                                          "MPI_Iallreduce")
            } catch {
                finish()
                throw error
            }
            requests.append(request)
            start += count
        }
    }

    /// `MPI_Testall` on the requests.
    func progress() throws(CommunicatorError) {
        guard !requests.isEmpty else { return }
        var done: Int32 = 0
        try MPICommunicator.check(MPI_Testall(Int32(requests.count), &requests, &done, cmpi_statuses_ignore()), "MPI_Testall")
    }

    /// `MPI_Waitall` on the requests, then the sum.
    func wait() throws(CommunicatorError) -> [Float] {
        if !requests.isEmpty {
            try MPICommunicator.check(MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()), "MPI_Waitall")
            requests = []
        }
        return Array(buffer)
    }

    /// Waits for requests still running (MPI writes into the buffer until they end).
    private func finish() {
        if !requests.isEmpty { MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()) }
        requests = []
    }

    deinit {
        finish()
        buffer.deallocate()
    }
}
