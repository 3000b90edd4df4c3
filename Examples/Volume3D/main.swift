// Weighted vs standard 3-D convolution for denoising a real MRI volume: the Colin27 (ch2)
// brain template from Debian's `mricron-data`. A thin caller of the library's volume task: the
// same runs as
//   wconv compare --task volume --data VOLUME --seeds 1,2
// The volume is halved (2×2×2 means), scaled to [0, 1] and cut along y into a training region and
// a validation region; random noisy cubes of the first train a 3-D DnCNN whose last layer starts
// at zero (the network starts as the identity, at the noisy input's PSNR), fixed ones of the
// second validate. The noisy input's PSNR (clipped to [0, 1], as the models') is printed beside both arms.
//
//   apt-get install mricron-data && swift run -c release volume3d [VOLUME] [--epochs 30] [--seeds 1,2] [--depth 3] [--width 8]
import ArgumentParser
import Foundation
import NeuralNetwork
import Training

/// The command line of the example.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "volume3d", abstract: "Weighted vs standard 3-D convolution denoising an MRI volume, several seeds.")
    @Argument(help: "A NIfTI-1 volume (.nii or .nii.gz).") var volume = TaskDefaults.volumeFile
    @Option(parsing: .unconditional, help: "Epochs per run (1…100000).") var epochs = TaskDefaults.of(.volume).epochs
    @Option(parsing: .unconditional, help: "Seeds, comma-separated non-negative integers; each gives one run per arm.") var seeds = "1,2"
    @Option(parsing: .unconditional, help: "DnCNN layers (2 or more).") var depth = TaskDefaults.of(.volume).depth
    @Option(parsing: .unconditional, help: "DnCNN hidden channels (1 or more).") var width = TaskDefaults.of(.volume).width
    @Option(help: "Folder for the runs and summaries.") var output = "runs/volume3d"

    func run() throws {
        let outcome = try Comparison.standardAgainstWeighted(experiment, epochs: epochs, seeds: try TrainingSettings.seeds(from: seeds), directory: output)
        print("\n" + outcome.table)
    }

    /// The volume experiment the options describe.
    var experiment: Experiment {
        var e = Experiment(task: .volume)
        (e.dataFile, e.depth, e.width) = (volume, depth, width)
        return e
    }
}

HeapReuse.enable()
Options.main()
