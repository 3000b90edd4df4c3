"""The ONNX export check of scripts/check-onnx: tiny runs of every model kind, exported by wconv
and run by onnxruntime on the same inputs as wconv. Usage: check_onnx.py PATH/TO/wconv"""
import json
import os

import numpy as np
import onnx
import onnxruntime

from tiny_runs import check_every_kind


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


def compare(run, label, shape):
    """Checks the run's ONNX model and that the safetensors hold its initializers; returns
    onnxruntime's outputs on the run's inputs and the graph's node count."""
    model = onnx.load(os.path.join(run, "model.onnx"))
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(os.path.join(run, "model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: np.load(os.path.join(run, "x.npy"))})[0]
    weights = safetensors(os.path.join(run, "model-pytorch.safetensors"))
    for tensor in model.graph.initializer:
        if tensor.name in weights:
            if not np.array_equal(onnx.numpy_helper.to_array(tensor).ravel(), weights[tensor.name].ravel()):
                raise SystemExit(f"check-onnx: {label}: initializer {tensor.name} differs from the safetensors export")
        elif not tensor.name.startswith("input.") and not tensor.name.endswith(".epsilon"):
            raise SystemExit(f"check-onnx: {label}: initializer {tensor.name} is missing from the safetensors export")
    return got, len(model.graph.node)


if __name__ == "__main__":
    check_every_kind("check-onnx", "onnxruntime",
                     f"onnxruntime {onnxruntime.__version__}, onnx {onnx.__version__}, numpy {np.__version__}",
                     compare, extra_column="nodes")
