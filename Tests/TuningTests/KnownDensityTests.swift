import Foundation
import GridCore
import Testing
import Tuning
import WeightedConvolution

/// A density search where the answer is known: targets made by one weighted convolution with a
/// known density and fixed weights; the search minimises the squared error of the same layer
/// over the density and must find the density that made the targets.
@Suite struct KnownDensityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let truth: [[Float]], box: DensityBox
        var testDescription: String { "\(truth)" }
    }

    static let cases = [
        Case(truth: [[0.3, 0.7]], box: try! .suggested(kernelSize: 5)),
        Case(truth: [[0.25, 0.15, 0.55]], box: try! .suggested(kernelSize: 7)),
        Case(truth: [[0.9], [0.6]], box: try! .suggested(kernelSize: 3, axes: 2)),
    ]

    /// DIRECT-L recovers every density value within 0.02 in 300 evaluations (each a forward
    /// pass of an 8-channel layer on 24×24 images).
    @Test(arguments: cases)
    func directLRecoversTheDensity(_ c: Case) throws {
        let size = c.box.kernelSize
        let options = ConvolutionOptions(padding: .same)
        let input = Grid<4>.normal(shape: [2, 3, 24, 24], seed: 11)
        let weight = Grid<4>.normal(shape: [4, 3, size, size], seed: 12)
        func layer(_ profiles: [[Float]]) -> WeightedConvolution {
            WeightedConvolution(density: profiles.count == 1 ? .symmetric(profiles[0]) : .symmetric(perAxis: profiles), options: options)
        }
        let target = try layer(c.truth)(input, weight: weight)
        let search = try GlobalSearch(algorithm: .directL, box: c.box.searchBox, budget: 300)
        let found = try search.minimize { point in
            let output = try layer(c.box.profiles(point))(input, weight: weight)
            return zip(output.scalars, target.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
        let truth = c.truth.flatMap { $0 }.map(Double.init)
        for (value, expected) in zip(found.point, truth) {
            #expect(abs(value - expected) < 0.02, "found \(found.point) for \(truth) after \(found.evaluations) evaluations")
        }
    }

    @Test func boxesFollowThePaperAndCheckTheirInput() throws {
        let seven = try DensityBox.suggested(kernelSize: 7)
        #expect(seven.lower == [[0.05, 0.15, 0.25]] && seven.upper == [[0.5, 1.0, 1.5]])
        #expect(try DensityBox.suggested(kernelSize: 9).entries == 4)
        #expect(seven.argument([0.25, 0.15, 0.55]) == "0.25,0.15,0.55")
        #expect(try DensityBox.suggested(kernelSize: 5, axes: 2).argument([0.1, 0.6, 0.2, 0.7]) == "0.1,0.6;0.2,0.7")
        #expect(throws: TuningError.self) { try DensityBox.suggested(kernelSize: 4) }
        #expect(throws: TuningError.self) { try DensityBox.suggested(kernelSize: 1) }
        #expect(throws: TuningError.self) { try DensityBox(lower: [[0.1], [0.1, 0.2]], upper: [[1], [1, 2]]) }
        #expect(throws: TuningError.self) { try DensityBox(lower: [[0.5]], upper: [[0.1]]) }
        // A box read back from a (damaged) study file is checked like a new one.
        let decoder = JSONDecoder()
        #expect(try decoder.decode(DensityBox.self, from: JSONEncoder().encode(seven)) == seven)
        #expect(throws: TuningError.self) { try decoder.decode(DensityBox.self, from: Data(#"{"lower":[[0.5]],"upper":[[0.1]]}"#.utf8)) }
    }
}
