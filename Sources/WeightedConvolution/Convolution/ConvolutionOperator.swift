import GridCore

/// A convolution ready to run: resolved geometry, padding-mode handling, bias, and the engine
/// (direct, FFT or Winograd) chosen for it. Rank-erased; `Grid` and the network layers call it.
///
/// Non-zero padding modes are applied explicitly before the engine runs (and folded back in the
/// backward pass), so engines only ever see zero padding.
public struct ConvolutionOperator: Sendable {
    /// The sizes of this convolution as the user described it.
    public let geometry: ConvolutionGeometry
    /// The algorithm that runs (`.direct`, `.fft` or `.winograd`, never `.auto`/`.measure`).
    public let method: ConvolutionMethod
    private let engine: any ConvolutionEngine
    private let explicitPadding: Padding?

    /// Resolves the geometry and picks the engine.
    /// - Throws: ``ConvolutionError`` when the shapes and options do not fit together, or the FFT
    ///   path is asked for and its buffers would not fit in memory.
    public init(inputShape: [Int], kernelShape: [Int], options: ConvolutionOptions) throws(ConvolutionError) {
        let geometry = try ConvolutionGeometry(inputShape: inputShape, kernelShape: kernelShape, options: options)
        var engineGeometry = geometry
        var explicitPadding: Padding? = nil
        if geometry.paddingMode != .zeros && !geometry.isUnpadded {
            let rank = geometry.spatialRank
            do {
                explicitPadding = try Padding(
                    inputShape: geometry.inputShape, low: [0, 0] + geometry.padLow, high: [0, 0] + geometry.padHigh,
                    mode: geometry.paddingMode)
            } catch {
                throw .invalidArgument("\(error)")
            }
            var unpadded = options
            unpadded.padding = .explicit(low: [Int](repeating: 0, count: rank), high: [Int](repeating: 0, count: rank))
            unpadded.paddingMode = .zeros
            engineGeometry = try ConvolutionGeometry(
                inputShape: [geometry.batch, geometry.inChannels] + geometry.paddedSize,
                kernelShape: geometry.kernelShape, options: unpadded)
        }
        self.geometry = geometry
        self.explicitPadding = explicitPadding
        if options.method == .fft && !FFTPlans.fitInMemory(engineGeometry) {
            throw .invalidArgument("the FFT path's spectra for \(engineGeometry) would not fit in memory (use method direct or auto)")
        }
        self.method = ConvolutionPlanner.shared.method(for: engineGeometry, requested: options.method)
        self.engine = ConvolutionPlanner.shared.engine(for: engineGeometry, method: method)
    }

    /// Computes `output = conv(input, kernel) + bias`.
    /// - Precondition: buffer sizes match the geometry (a programmer error otherwise).
    public func forward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?,
        output: UnsafeMutableBufferPointer<Float>
    ) {
        checkSizes(input: input.count, kernel: kernel.count, output: output.count, bias: bias?.count)
        if let explicitPadding {
            WorkspaceCache.shared.withBuffer(count: explicitPadding.outputShape.reduce(1, *)) { padded in
                explicitPadding.forward(input, into: padded)
                engine.forward(input: UnsafeBufferPointer(padded), kernel: kernel, output: output)
            }
        } else {
            engine.forward(input: input, kernel: kernel, output: output)
        }
        if let bias { addBias(bias, to: output) }
    }

    /// Computes the gradients of a loss with respect to input, kernel and bias from the
    /// gradient with respect to the output. Destinations are overwritten; `nil` ones are skipped.
    public func backward(
        input: UnsafeBufferPointer<Float>, kernel: UnsafeBufferPointer<Float>, gradOutput: UnsafeBufferPointer<Float>,
        gradInput: UnsafeMutableBufferPointer<Float>?, gradKernel: UnsafeMutableBufferPointer<Float>?,
        gradBias: UnsafeMutableBufferPointer<Float>?
    ) {
        checkSizes(input: input.count, kernel: kernel.count, output: gradOutput.count, bias: gradBias?.count)
        if let gradBias { sumPerChannel(gradOutput, into: gradBias) }
        guard gradInput != nil || gradKernel != nil else { return }
        if let explicitPadding {
            let count = explicitPadding.outputShape.reduce(1, *)
            // Scratch from the shared pool: the padded input, and its gradient when one is wanted.
            WorkspaceCache.shared.withBuffer(count: gradInput == nil ? count : 2 * count) { scratch in
                let padded = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
                let gradPadded = gradInput.map { _ in UnsafeMutableBufferPointer(rebasing: scratch[count..<(2 * count)]) }
                explicitPadding.forward(input, into: padded)
                engine.backward(
                    input: UnsafeBufferPointer(padded), kernel: kernel, gradOutput: gradOutput,
                    gradInput: gradPadded, gradKernel: gradKernel)
                if let gradInput, let gradPadded {
                    gradInput.update(repeating: 0)
                    explicitPadding.backward(UnsafeBufferPointer(gradPadded), into: gradInput)
                }
            }
        } else {
            engine.backward(
                input: input, kernel: kernel, gradOutput: gradOutput, gradInput: gradInput, gradKernel: gradKernel)
        }
    }

    private func checkSizes(input: Int, kernel: Int, output: Int, bias: Int?) {
        precondition(input == geometry.inputShape.reduce(1, *), "input buffer does not match \(geometry)")
        precondition(kernel == geometry.kernelShape.reduce(1, *), "kernel buffer does not match \(geometry)")
        precondition(output == geometry.outputShape.reduce(1, *), "output buffer does not match \(geometry)")
        precondition(bias == nil || bias == geometry.outChannels, "bias needs \(geometry.outChannels) values")
    }

    private var planeSize: Int { geometry.outputSize.reduce(1, *) }

    private func addBias(_ bias: UnsafeBufferPointer<Float>, to output: UnsafeMutableBufferPointer<Float>) {
        let plane = planeSize, channels = geometry.outChannels, batch = geometry.batch
        ComputeThreads.split(channels) { part in
            for image in 0..<batch {
                for channel in part {
                    let base = (image * channels + channel) * plane
                    let value = bias[channel]
                    for i in base..<(base + plane) { output[i] += value }
                }
            }
        }
    }

    private func sumPerChannel(_ gradOutput: UnsafeBufferPointer<Float>, into gradBias: UnsafeMutableBufferPointer<Float>) {
        let plane = planeSize, channels = geometry.outChannels, batch = geometry.batch
        guard let dy = gradOutput.baseAddress else { return }
        ComputeThreads.split(channels) { part in
            for channel in part {
                var total: Double = 0
                for image in 0..<batch { total += Double(Kernels.sum(dy + (image * channels + channel) * plane, plane)) }
                gradBias[channel] = Float(total)
            }
        }
    }
}
