"""The PyTorch check of scripts/check-pytorch-weights: tiny runs of every model kind, exported by
wconv as safetensors with PyTorch names, loaded with `load_state_dict(strict=True)` into the plain
PyTorch definitions of scripts/torch_models.py and run on the same inputs as wconv.
Usage: check_pytorch_weights.py PATH/TO/wconv"""
import json
import os

import numpy as np
import safetensors
import safetensors.torch
import torch

import torch_models
from tiny_runs import check_every_kind


def compare(run, label, shape):
    """Loads the run's safetensors into its PyTorch definition (every name and shape must match,
    nothing left over); returns PyTorch's outputs on the run's inputs, in evaluation mode."""
    path = os.path.join(run, "model-pytorch.safetensors")
    with open(os.path.join(run, "config.json")) as f:
        config = json.load(f)
    with safetensors.safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    model = torch_models.from_run(config, metadata, shape)
    model.load_state_dict(safetensors.torch.load_file(path), strict=True)
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(np.load(os.path.join(run, "x.npy")))).numpy(), None


if __name__ == "__main__":
    torch.set_num_threads(1)
    check_every_kind("check-pytorch-weights", "PyTorch", f"torch {torch.__version__}, safetensors {safetensors.__version__}",
                     compare)
