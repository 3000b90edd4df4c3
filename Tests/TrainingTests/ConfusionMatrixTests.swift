import Testing
import Training

/// The confusion matrix against counts made by hand.
@Suite struct ConfusionMatrixTests {
    @Test func countsArgMaxAgainstLabelsAndSkipsWhatItCannotCount() {
        var matrix = ConfusionMatrix(classes: ["a", "b", "c"])
        // Predictions b, a, c, (a NaN row: skipped), c against labels 0, 0, 2, 1, 2; then a label outside the classes (skipped).
        matrix.add(logits: [0, 1, 0, 2, 1, 0, 0, 0, 3, .nan, 1, 0, 0, 0, 1], labels: [0, 0, 2, 1, 2])
        matrix.add(logits: [0, 0, 1], labels: [5])
        #expect(matrix.counts == [[1, 1, 0], [0, 0, 0], [0, 0, 2]])
        let perClass = matrix.perClass
        #expect(perClass.map(\.samples) == [2, 0, 2])
        #expect(perClass.map(\.accuracy)[0] == 50 && perClass.map(\.accuracy)[1].isNaN && perClass.map(\.accuracy)[2] == 100)
        #expect(matrix.csv == "truth,a,b,c\na,1,1,0\nb,0,0,0\nc,0,0,2\n")
        let svg = ConfusionMatrix(classes: ["<x>"]).svg(title: "a & b")
        #expect(svg.contains("&lt;x&gt;") && svg.contains("a &amp; b") && !svg.contains("<x>"))
    }
}
