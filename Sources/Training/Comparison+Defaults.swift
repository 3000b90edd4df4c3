extension Comparison {
    /// Standard against weighted convolution (the experiment's density, fixed) with the task's
    /// default settings (``TrainingSettings/init(task:)``) for `epochs` epochs on each of `seeds`:
    /// the runs, checked first, are trained, their summaries written to `directory`.
    /// - Returns: the outcome (its ``Outcome/table`` is what a person reads).
    /// - Throws: ``TrainingError`` for an experiment or epoch count out of range, data and training errors.
    public static func standardAgainstWeighted(_ experiment: Experiment, epochs: Int, seeds: [UInt64], directory: String) throws -> Outcome {
        try experiment.validate()
        var settings = TrainingSettings(task: experiment.task)
        settings.epochs = epochs
        try settings.validate()
        let outcome = try Comparison(experiment: experiment, settings: settings, seeds: seeds, directory: directory).run()
        try outcome.write(to: directory)
        return outcome
    }
}
