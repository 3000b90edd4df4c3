import ArgumentParser

/// `wconv conv`: weighted convolution of `.npy` files, forward and optionally backward.
struct ConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv", abstract: "Weighted convolution of .npy files (forward and gradients).")
    func run() throws { throw ValidationError("not implemented yet") }
}
