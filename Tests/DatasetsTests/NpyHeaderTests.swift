import Datasets
import Testing
import TestSupport

/// `.npy` headers read by NumPy's grammar: each case of ``NpyHeaderCases`` is read as a 2×3 array
/// or refused with a message that names the file and says what was found.
@Suite struct NpyHeaderTests {
    @Test(arguments: NpyHeaderCases.all)
    func headerIsReadOrRefusedAsNumPyDoes(_ c: NpyHeaderCases.Case) {
        do {
            let array = try Npy.decode(c.bytes, path: "case.npy")
            #expect(c.refusal == nil, "accepted, should be refused with \(c.refusal ?? "")")
            #expect(array.shape == [2, 3] && array.scalars == [Float](repeating: 0, count: 6))
        } catch {
            guard let refusal = c.refusal else { Issue.record("refused: \(error)"); return }
            #expect("\(error)".hasPrefix("case.npy: ") && "\(error)".contains(refusal), "message: \(error)")
        }
    }

    @Test func everyRefusalNumPyMakesIsMadeToo() {
        #expect(NpyHeaderCases.all.filter { !$0.numpyReads }.allSatisfy { $0.refusal != nil })
    }
}
