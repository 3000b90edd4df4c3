"""The ONNX export check of scripts/check-onnx: tiny runs of every model kind, exported by wconv
and run by onnxruntime on the same inputs as wconv. Usage: check_onnx.py PATH/TO/wconv"""
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime

from tiny_runs import RUNS, missing_data, trained_run

TOLERANCE = 1e-4  # max |onnxruntime − wconv| relative to max |wconv output|


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


def check(wconv, folder, label, arguments, shape):
    """Trains, exports and compares one run; returns the relative error."""
    run = trained_run(wconv, folder, label, arguments, shape, "check-onnx")
    inputs, expected = os.path.join(run, "x.npy"), os.path.join(run, "y.npy")
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
    missing = missing_data()
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
