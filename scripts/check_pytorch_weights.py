"""The PyTorch check of scripts/check-pytorch-weights: tiny runs of every model kind, exported by
wconv as safetensors with PyTorch names, loaded with `load_state_dict(strict=True)` into the plain
PyTorch definitions of scripts/torch_models.py and run on the same inputs as wconv.
Usage: check_pytorch_weights.py PATH/TO/wconv"""
import json
import os
import sys
import tempfile

import numpy as np
import safetensors.torch
import torch

import torch_models
from tiny_runs import RUNS, missing_data, trained_run

TOLERANCE = 1e-4  # max |PyTorch − wconv| relative to max |wconv output|


def check(wconv, folder, label, arguments, shape):
    """Trains, exports and loads one run into PyTorch; returns the error and the output scale."""
    run = trained_run(wconv, folder, label, arguments, shape, "check-pytorch-weights")
    path = os.path.join(run, "model-pytorch.safetensors")
    with open(os.path.join(run, "config.json")) as f:
        config = json.load(f)
    with safetensors.safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    model = torch_models.from_run(config, metadata, shape)
    model.load_state_dict(safetensors.torch.load_file(path), strict=True)  # every name, every shape
    model.eval()
    with torch.no_grad():
        got = model(torch.from_numpy(np.load(os.path.join(run, "x.npy")))).numpy()
    want = np.load(os.path.join(run, "y.npy"))
    if got.shape != want.shape:
        raise SystemExit(f"check-pytorch-weights: {label}: PyTorch output {got.shape}, wconv {want.shape}")
    return float(np.max(np.abs(got - want))), float(np.max(np.abs(want)))


def main():
    wconv = sys.argv[1]
    missing = missing_data()
    if missing:
        print(f"check-pytorch-weights: SKIPPED: the tiny runs need {', '.join(missing)} (scripts/setup installs them)",
              file=sys.stderr)
        return
    torch.set_num_threads(1)
    print(f"check-pytorch-weights: torch {torch.__version__}, safetensors {safetensors.__version__}; "
          f"tolerance {TOLERANCE:g} × max |output|")
    print(f"{'model':<20} {'max |error|':>12} {'max |output|':>12} {'relative':>10}")
    failed = []
    with tempfile.TemporaryDirectory(prefix="check-pytorch-weights-") as folder:
        for label, arguments, shape in RUNS:
            error, scale = check(wconv, folder, label, arguments, shape)
            relative = error / max(scale, 1e-30)
            print(f"{label:<20} {error:>12.3e} {scale:>12.3e} {relative:>10.2e}", flush=True)
            if not relative <= TOLERANCE:
                failed.append(label)
    if failed:
        raise SystemExit(f"check-pytorch-weights: FAILED: PyTorch differs from wconv beyond the tolerance for {', '.join(failed)}")
    print("check-pytorch-weights: every model kind loads into plain PyTorch and matches")


if __name__ == "__main__":
    main()
