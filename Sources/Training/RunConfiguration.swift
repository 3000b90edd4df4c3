import Foundation
import Models

/// Standard or weighted convolution, by the names `config.json` and the `--conv` option use.
public enum ConvolutionVariant: String, Codable, CaseIterable, Sendable {
    /// Ordinary convolution.
    case standard
    /// Weighted convolution: every main kernel multiplied by a density.
    case weighted

    /// The variant of a convolution kind (a per-axis density is weighted too).
    public init(_ kind: ConvolutionKind) {
        self = kind == .standard ? .standard : .weighted
    }

    /// The convolution kind of this variant for `experiment`: its density, fixed or trainable, on
    /// every axis; or, for a weighted variant with `profiles`, one fixed profile per spatial axis.
    public func kind(of experiment: Experiment, profiles: [[Float]]? = nil) -> ConvolutionKind {
        switch (self, profiles) {
        case (.standard, _): .standard
        case (.weighted, let profiles?): .weightedPerAxis(profiles: profiles)
        case (.weighted, nil): .weighted(den: experiment.den, trainable: experiment.trainableDensity)
        }
    }
}

/// The `config.json` of a run folder, as `wconv train` and every arm of `wconv compare` write it:
/// what `wconv eval`, `denoise --run` and `export` read back (through ``TrainedRun``).
///
/// The data folders are stored as absolute paths, so that the run can be evaluated from any
/// working directory; a relative path in a file of an older version is read against the working
/// directory.
public struct RunConfiguration: Codable, Sendable {
    /// The name of the file in a run folder.
    public static let fileName = "config.json"

    /// The model, data, kernel, density, normalisation source and convolution method.
    public var experiment: Experiment
    /// The training settings (with the run's seed).
    public var settings: TrainingSettings
    /// Standard or weighted.
    public var convolution: ConvolutionVariant
    /// One fixed density profile per spatial axis (outermost first) of a weighted run whose
    /// density differs by axis (an arm with a tuned per-axis density); `nil` when the density is
    /// the experiment's `den` on every axis.
    public var densityProfiles: [[Float]]?
    /// Compute threads of the run.
    public var threads: Int
    /// Data-parallel ranks of the run.
    public var ranks: Int
    /// Classes of a classification run (`nil` for denoising and for runs of older versions).
    public var classes: Int?

    /// The configuration of a run of `experiment` with convolutions of `kind`: a weighted kind's
    /// density and trainability are stored in the experiment (or as ``densityProfiles``), and
    /// the data folders as absolute paths (relative ones are taken from the working directory).
    public init(experiment: Experiment, settings: TrainingSettings, kind: ConvolutionKind, threads: Int, ranks: Int, classes: Int?) {
        var e = experiment
        e.dataDirectory = e.dataDirectory.map(Self.absolute)
        e.validationDirectory = e.validationDirectory.map(Self.absolute)
        switch kind {
        case .standard: densityProfiles = nil
        case .weighted(let den, let trainable): (e.den, e.trainableDensity, densityProfiles) = (den, trainable, nil)
        case .weightedPerAxis(let profiles): densityProfiles = profiles
        }
        (self.experiment, self.settings, convolution) = (e, settings, ConvolutionVariant(kind))
        (self.threads, self.ranks, self.classes) = (threads, ranks, classes)
    }

    /// The convolution kind of the run (its density, fixed or trainable, or its per-axis profiles).
    public var kind: ConvolutionKind { convolution.kind(of: experiment, profiles: densityProfiles) }

    /// Writes `folder/config.json` (creating the folder).
    /// - Throws: `DataError` when the file cannot be written.
    public func write(into folder: String) throws {
        try JSONFiles.write(self, to: folder + "/" + Self.fileName)
    }

    /// `path` as an absolute path with `.` and `..` resolved (relative paths from the working directory).
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
    }
}
