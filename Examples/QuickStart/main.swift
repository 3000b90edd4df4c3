// The README's library example, compiled with the package so that it stays true.
// Run: swift run -c release quickstart
import GridCore
import WeightedConvolution

// 2-D, 7×7 kernels, the reference symmetric density (outermost first, centre 1)
let conv = WeightedConvolution(density: .symmetric([0.25, 0.15, 0.55]),
                               options: ConvolutionOptions(padding: .same))
let x = Grid<4>.normal(shape: [8, 3, 64, 64], seed: 1)       // [batch, channels, H, W]
let w = Grid<4>.normal(shape: [16, 3, 7, 7], seed: 2)        // [out, in/groups, kH, kW]
let y = try conv(x, weight: w, bias: [Float](repeating: 0, count: 16))
let g = try conv.gradients(input: x, weight: w, gradOutput: y)  // ∂x, ∂W, ∂b, ∂den
print("2-D:", y.dims, "∂den =", g.density)

// 1-D time series, anisotropic and non-separable densities, any rank
let series = WeightedConvolution(density: .symmetric([0.5, 0.9]), options: .init(padding: .same))
let y1 = try series(Grid<3>.normal(shape: [4, 1, 512], seed: 3), weight: Grid<3>.normal(shape: [8, 1, 5], seed: 4))
let aniso = WeightedConvolution(density: .symmetric(perAxis: [[0.7], [0.2, 0.8]]))   // 3×5 kernels
let radial = WeightedConvolution(density: .gaussian(sigma: 1.5))                     // Φ(o) = exp(−|o|²/2σ²)
let volume = WeightedConvolution(density: .symmetric([0.6]),
                                 options: .init(stride: [2], padding: .same, dilation: [1], groups: 1,
                                                paddingMode: .reflect, method: .auto))
let y3 = try volume(Grid<5>.normal(shape: [1, 1, 32, 32, 32], seed: 5), weight: Grid<5>.normal(shape: [4, 1, 3, 3, 3], seed: 6))
let y2a = try aniso(Grid<4>.normal(shape: [1, 2, 16, 16], seed: 7), weight: Grid<4>.normal(shape: [2, 2, 3, 5], seed: 8))
let y2r = try radial(Grid<4>.normal(shape: [1, 2, 16, 16], seed: 9), weight: Grid<4>.normal(shape: [2, 2, 5, 5], seed: 10))
print("1-D:", y1.dims, "3-D:", y3.dims, "anisotropic:", y2a.dims, "radial:", y2r.dims)
