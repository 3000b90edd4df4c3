import GridCore
import Testing
import TestSupport

/// Grid construction, access, arithmetic, reductions, cropping and seeded initialisers.
/// Everything here is exact except sums, compared to 1e-6 relative (Double accumulation).
@Suite struct GridTests {
    @Test func elementsAreRowMajor() throws {
        var g = try Grid<3>(dims: [2, 3, 4], scalars: (0..<24).map(Float.init))
        #expect(g[[1, 2, 3]] == 23)
        #expect(g[[1, 0, 2]] == 14)
        #expect(g.strides[0] == 12 && g.strides[1] == 4 && g.strides[2] == 1)
        g[[0, 1, 1]] = -1
        #expect(g.scalars[5] == -1)
        #expect(g.rank == 3 && g.count == 24 && g.dims == [2, 3, 4])
    }

    @Test func copiesHaveValueSemantics() {
        let a = Grid<2>(shape: [2, 2], repeating: 1)
        var b = a
        b[[0, 0]] = 5
        #expect(a[[0, 0]] == 1 && b[[0, 0]] == 5)
    }

    @Test func constructionErrors() {
        #expect(throws: GridError.self) { try Grid<2>(dims: [2, 2], scalars: [1, 2, 3]) }
        #expect(throws: GridError.self) { try Grid<2>(dims: [2, 2, 1], scalars: [1, 2, 3, 4]) }
        #expect(throws: GridError.self) { try Grid<1>(dims: [-1], repeating: 0) }
    }

    @Test func arithmeticIsElementWise() throws {
        let a = try Grid<1>(dims: [3], scalars: [1, 2, 3])
        let b = try Grid<1>(dims: [3], scalars: [4, 5, 6])
        #expect((a + b).scalars == [5, 7, 9])
        #expect((b - a).scalars == [3, 3, 3])
        #expect((a * b).scalars == [4, 10, 18])
        #expect((b / a).scalars == [4, 2.5, 2])
        #expect((2 * a + 1).scalars == [3, 5, 7])
        #expect((-a).scalars == [-1, -2, -3])
        var c = a
        c += b
        #expect(c.scalars == [5, 7, 9])
        #expect(throws: GridError.self) { try a.zip(try Grid<1>(dims: [2], repeating: 0), +) }
    }

    @Test func reductions() throws {
        let g = try Grid<3>(dims: [2, 3, 2], scalars: (1...12).map(Float.init))
        #expect(g.sum() == 78)
        #expect(g.mean() == 6.5)
        #expect(g.max() == 12 && g.min() == 1)
        #expect(g.sum(keepingAxis: 1) == [18, 26, 34] as [Float])
        #expect(g.sum(keepingAxis: 0) == [21, 57])
        #expect(g.isFinite)
        var h = g
        h[[0, 0, 0]] = .infinity
        #expect(!h.isFinite)
    }

    @Test func cropReshapeAndSlice() throws {
        let g = try Grid<2>(dims: [3, 4], scalars: (0..<12).map(Float.init))
        #expect(try g.cropped(start: [1, 1], size: [2, 2]).scalars == [5, 6, 9, 10])
        #expect(throws: GridError.self) { try g.cropped(start: [2, 0], size: [2, 2]) }
        let flat: Grid<1> = try g.reshaped(to: [12])
        #expect(flat.scalars == g.scalars)
        #expect(throws: GridError.self) { try g.reshaped(to: [5]) as Grid<1> }
        #expect(try g.slice(1..<3).scalars == Array((4..<12).map(Float.init)))
        #expect(throws: GridError.self) { try g.slice(2..<4) }
    }

    @Test func seededInitialisersAreReproducible() {
        let a = Grid<2>.normal(shape: [50, 40], standardDeviation: 2, seed: 3)
        #expect(a == Grid<2>.normal(shape: [50, 40], standardDeviation: 2, seed: 3))
        #expect(a != Grid<2>.normal(shape: [50, 40], standardDeviation: 2, seed: 4))
        let std = (a.scalars.reduce(0.0) { $0 + Double($1 * $1) } / Double(a.count)).squareRoot()
        #expect(abs(std - 2) < 0.1, "2000 samples: the standard error of the std is ≈ 0.03")
        let u = Grid<1>.uniform(shape: [1000], in: 2...5, seed: 1)
        #expect(u.min()! >= 2 && u.max()! < 5 && abs(u.mean() - 3.5) < 0.1)
    }

    @Test func descriptionShowsShapeAndValues() throws {
        let g = try Grid<2>(dims: [1, 2], scalars: [1, 2])
        #expect(g.description == "Grid<2>[1, 2](1.0, 2.0)")
    }
}
