"""Tiny trained runs of every model kind wconv trains, exported as PyTorch-named safetensors,
with wconv's own outputs on random inputs: what the export checks (scripts/check-onnx,
scripts/check-pytorch-weights) compare other runtimes against."""
import os
import subprocess
import sys
import tempfile

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"
PHOTOS = "/usr/share/backgrounds/mate/nature"
TOLERANCE = 1e-4  # max |other runtime − wconv| relative to max |wconv output|
TINY_CLASSIFICATION = ["--train-subset", "16", "--test-subset", "8", "--batch-size", "8", "--epochs", "1"]
TINY_DENOISING = ["--patches-per-epoch", "16", "--eval-patches", "8", "--batch-size", "8", "--epochs", "1",
                  "--depth", "3", "--width", "8", "--last-layer-init", "kaiming", "--naf-width", "8"]
# (label, train arguments, input shape): every model kind, weighted; one standard run; trained
# densities; 7×7 kernels on the small models, 3×3 on the large ones (their 7×7 runs take minutes).
RUNS = [
    ("vgg-small", ["--model", "vgg-small"] + TINY_CLASSIFICATION, (3, 1, 28, 28)),
    ("vgg-small standard", ["--model", "vgg-small", "--conv", "standard"] + TINY_CLASSIFICATION, (3, 1, 28, 28)),
    ("vgg11", ["--model", "vgg11", "--den", "0.5"] + TINY_CLASSIFICATION, (2, 1, 28, 28)),
    ("vgg16", ["--model", "vgg16", "--den", "0.5"] + TINY_CLASSIFICATION, (2, 1, 28, 28)),
    ("resnet20", ["--model", "resnet20", "--den", "0.5", "--trainable-density"] + TINY_CLASSIFICATION, (2, 1, 28, 28)),
    ("resnet18", ["--model", "resnet18", "--den", "0.5"] + TINY_CLASSIFICATION, (2, 1, 28, 28)),
    ("dncnn", ["--task", "denoising", "--model", "dncnn", "--trainable-density"] + TINY_DENOISING, (2, 1, 24, 40)),
    ("nafnet", ["--task", "denoising", "--model", "nafnet"] + TINY_DENOISING, (2, 1, 24, 40)),
]


def missing_data():
    """The data folders the tiny runs need that are not there."""
    return [path for path in (FASHION, PHOTOS) if not os.path.isdir(path)]


def run_quietly(command, check):
    """Runs a command; its output is shown only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{check}: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def trained_run(wconv, folder, label, arguments, shape, check):
    """Trains one tiny run, exports its PyTorch-named safetensors and writes random inputs
    (`x.npy`) and wconv's outputs for them (`y.npy`, also writing `model.onnx`); returns the
    run folder."""
    run = os.path.join(folder, label.replace(" ", "-"))
    run_quietly([wconv, "train", "--output", run] + arguments, check)
    np.save(os.path.join(run, "x.npy"), np.random.default_rng(7).random(shape, dtype=np.float32))
    run_quietly([wconv, "export", run, "--check-input", os.path.join(run, "x.npy"),
                 "--check-output", os.path.join(run, "y.npy")], check)
    run_quietly([wconv, "export", run, "--format", "safetensors"], check)
    return run


def check_every_kind(check, runtime, versions, compare, extra_column=None):
    """The export check `check` (e.g. `check-onnx`): trains and exports every tiny run in a
    temporary folder, gets `compare(run, label, shape) → (output, extra)` from the other
    `runtime`, and fails unless its output has wconv's shape and is within `TOLERANCE` × max
    |wconv output| of it everywhere. `extra_column` names the `extra` value printed per run."""
    wconv = sys.argv[1]
    missing = missing_data()
    if missing:
        print(f"{check}: SKIPPED: the tiny runs need {', '.join(missing)} (scripts/setup installs them)", file=sys.stderr)
        return
    print(f"{check}: {versions}; tolerance {TOLERANCE:g} × max |output|")
    extra_header = f" {extra_column:>5}" if extra_column else ""
    print(f"{'model':<20}{extra_header} {'max |error|':>12} {'max |output|':>12} {'relative':>10}")
    failed = []
    with tempfile.TemporaryDirectory(prefix=check + "-") as folder:
        for label, arguments, shape in RUNS:
            run = trained_run(wconv, folder, label, arguments, shape, check)
            got, extra = compare(run, label, shape)
            want = np.load(os.path.join(run, "y.npy"))
            if got.shape != want.shape:
                raise SystemExit(f"{check}: {label}: {runtime} output {got.shape}, wconv {want.shape}")
            error, scale = float(np.max(np.abs(got - want))), float(np.max(np.abs(want)))
            relative = error / max(scale, 1e-30)
            extra_text = f" {extra:>5}" if extra_column else ""
            print(f"{label:<20}{extra_text} {error:>12.3e} {scale:>12.3e} {relative:>10.2e}", flush=True)
            if not relative <= TOLERANCE:
                failed.append(label)
    if failed:
        raise SystemExit(f"{check}: FAILED: {runtime} differs from wconv beyond the tolerance for {', '.join(failed)}")
    print(f"{check}: every model kind matches")
