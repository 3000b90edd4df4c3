"""The ONNX export check of scripts/check-onnx: tiny runs of every model kind, exported by wconv
and run by onnxruntime on the same inputs as wconv. Usage: check_onnx.py PATH/TO/wconv"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime

TOLERANCE = 1e-4  # max |onnxruntime − wconv| relative to max |wconv output|
FASHION = "/usr/share/datasets/fashion-mnist"
PHOTOS = "/usr/share/backgrounds/mate/nature"
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


def safetensors(path):
    """The F32 tensors of a safetensors file by name."""
    with open(path, "rb") as f:
        data = f.read()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    start = 8 + length
    return {name: np.frombuffer(data[start + t["data_offsets"][0]:start + t["data_offsets"][1]], dtype="<f4").reshape(t["shape"])
            for name, t in header.items()}


def run_quietly(command):
    """Runs a command; its output is shown only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"check-onnx: {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def check(wconv, folder, label, arguments, shape):
    """Trains, exports and compares one run; returns the relative error."""
    run = os.path.join(folder, label.replace(" ", "-"))
    run_quietly([wconv, "train", "--output", run] + arguments)
    inputs, expected = os.path.join(run, "x.npy"), os.path.join(run, "y.npy")
    np.save(inputs, np.random.default_rng(7).random(shape, dtype=np.float32))
    run_quietly([wconv, "export", run, "--check-input", inputs, "--check-output", expected])
    run_quietly([wconv, "export", run, "--format", "safetensors"])
    model = onnx.load(os.path.join(run, "model.onnx"))
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(os.path.join(run, "model.onnx"), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    got = session.run(None, {name: np.load(inputs)})[0]
    want = np.load(expected)
    if got.shape != want.shape:
        raise SystemExit(f"check-onnx: {label}: onnxruntime output {got.shape}, wconv {want.shape}")
    weights = safetensors(os.path.join(run, "model-pytorch.safetensors"))
    for tensor in model.graph.initializer:
        if tensor.name in weights:
            if not np.array_equal(onnx.numpy_helper.to_array(tensor).ravel(), weights[tensor.name].ravel()):
                raise SystemExit(f"check-onnx: {label}: initializer {tensor.name} differs from the safetensors export")
        elif not tensor.name.startswith("input.") and not tensor.name.endswith(".epsilon"):
            raise SystemExit(f"check-onnx: {label}: initializer {tensor.name} is missing from the safetensors export")
    error, scale = float(np.max(np.abs(got - want))), float(np.max(np.abs(want)))
    return error, scale, len(model.graph.node)


def main():
    wconv = sys.argv[1]
    missing = [path for path in (FASHION, PHOTOS) if not os.path.isdir(path)]
    if missing:
        print(f"check-onnx: SKIPPED: the tiny runs need {', '.join(missing)} (scripts/setup installs them)", file=sys.stderr)
        return
    print(f"check-onnx: onnxruntime {onnxruntime.__version__}, onnx {onnx.__version__}, numpy {np.__version__}; "
          f"tolerance {TOLERANCE:g} × max |output|")
    print(f"{'model':<20} {'nodes':>5} {'max |error|':>12} {'max |output|':>12} {'relative':>10}")
    failed = []
    with tempfile.TemporaryDirectory(prefix="check-onnx-") as folder:
        for label, arguments, shape in RUNS:
            error, scale, nodes = check(wconv, folder, label, arguments, shape)
            relative = error / max(scale, 1e-30)
            print(f"{label:<20} {nodes:>5} {error:>12.3e} {scale:>12.3e} {relative:>10.2e}", flush=True)
            if not relative <= TOLERANCE:
                failed.append(label)
    if failed:
        raise SystemExit(f"check-onnx: FAILED: onnxruntime differs from wconv beyond the tolerance for {', '.join(failed)}")
    print("check-onnx: every model kind matches")


if __name__ == "__main__":
    main()
