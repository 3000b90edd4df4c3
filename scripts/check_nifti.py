"""The NIfTI check of scripts/check-nifti: volumes written by nibabel, denoised by `wconv denoise`,
opened again by nibabel with the input's geometry. Usage: check_nifti.py PATH/TO/wconv"""
import json
import os
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np

# The model the weights below fit: a DnCNN of two 3×3×3 layers of 4 channels, standard convolutions.
MODEL = ["--conv", "standard", "--depth", "2", "--width", "4", "--kernel-size", "3", "--den", "0.5", "--threads", "1"]
GEOMETRY = ["dim", "pixdim", "datatype", "bitpix", "qform_code", "sform_code", "quatern_b", "quatern_c", "quatern_d",
            "qoffset_x", "qoffset_y", "qoffset_z", "srow_x", "srow_y", "srow_z", "xyzt_units"]


def write_safetensors(path, tensors):
    """F32 tensors in a safetensors file (8-byte header length, JSON header, data)."""
    header, data = {}, b""
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + data)


def dncnn(rng, identity):
    """Weights of the DnCNN of MODEL; with `identity` its last layer is zero (it returns its input)."""
    last = np.zeros((1, 4, 3, 3, 3)) if identity else rng.normal(0, 0.05, (1, 4, 3, 3, 3))
    return {"dncnn.0.weight": rng.normal(0, 0.3, (4, 1, 3, 3, 3)), "dncnn.0.bias": rng.normal(0, 0.1, 4),
            "dncnn.2.weight": last}


def volume(path, rng, dtype, shape):
    """A volume of `dtype` with anisotropic voxels, an oblique qform and a different sform, saved by
    nibabel (which chooses scl_slope/scl_inter for int16 here), then read back."""
    values = rng.uniform(-100, 400, shape) if dtype != np.uint8 else rng.uniform(0, 250, shape)
    rotation = nib.quaternions.quat2mat([np.sqrt(1 - 0.14), 0.1, -0.2, 0.3])
    qform = np.eye(4)
    qform[:3, :3] = rotation @ np.diag([0.9, 1.1, 2.5])
    qform[:3, 3] = [10, -20, 30]
    sform = np.array([[0.9, 0, 0.1, -90], [0, 1.1, 0, -126], [0, 0.05, 2.5, -72], [0, 0, 0, 1]])
    image = nib.Nifti1Image(values.astype(np.float32), None)
    image.header.set_data_dtype(dtype)
    image.header.set_xyzt_units("mm", "sec")
    image.set_qform(qform, code=1)
    image.set_sform(sform, code=2)
    nib.save(image, path)
    return nib.load(path)


def main(wconv):
    rng = np.random.default_rng(7)
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        weights = {}
        for kind in ["identity", "random"]:
            weights[kind] = os.path.join(folder, kind + ".safetensors")
            write_safetensors(weights[kind], dncnn(rng, kind == "identity"))
        cases = [(np.int16, (9, 7, 6), ".nii.gz"), (np.uint8, (5, 8, 7), ".nii"), (np.float32, (7, 6, 9), ".nii.gz")]
        for dtype, shape, suffix in cases:
            source = os.path.join(folder, np.dtype(dtype).name + "-in" + suffix)
            original = volume(source, rng, dtype, shape)
            for kind, path in weights.items():
                output = os.path.join(folder, np.dtype(dtype).name + "-" + kind + suffix)
                before = len(failures)
                run = subprocess.run([wconv, "denoise"] + MODEL + ["--weights", path, "--input", source, "--output", output],
                                     capture_output=True, text=True)
                label = f"{np.dtype(dtype).name} {shape} {suffix}, {kind} network"
                if run.returncode != 0:
                    failures.append(f"{label}: wconv denoise failed:\n{run.stdout}{run.stderr}")
                    continue
                denoised = nib.load(output)
                for key in GEOMETRY:
                    a, b = np.asarray(original.header[key]), np.asarray(denoised.header[key])
                    if not np.array_equal(a, b, equal_nan=True):
                        failures.append(f"{label}: {key} is {b}, the input's is {a}")
                for name, get in [("affine", lambda i: i.affine), ("qform", lambda i: i.get_qform()),
                                  ("sform", lambda i: i.get_sform())]:
                    if not np.allclose(get(original), get(denoised)):
                        failures.append(f"{label}: {name}\n{get(denoised)}\nis not the input's\n{get(original)}")
                # nibabel moves scl_slope/scl_inter from a loaded header into its data proxy.
                scaling = [(i.dataobj.slope, i.dataobj.inter) for i in (original, denoised)]
                if scaling[0] != scaling[1] or (dtype == np.int16 and scaling[0][0] == 1):
                    failures.append(f"{label}: scl_slope, scl_inter are {scaling[1]}, the input's are {scaling[0]}")
                if denoised.get_data_dtype() != original.get_data_dtype() or denoised.shape != original.shape:
                    failures.append(f"{label}: {denoised.get_data_dtype()} {denoised.shape}, the input is "
                                    f"{original.get_data_dtype()} {original.shape}")
                data, expected = denoised.get_fdata(), original.get_fdata()
                if kind == "identity" and not np.allclose(data, expected, rtol=0, atol=1e-4 * np.abs(expected).max()):
                    failures.append(f"{label}: the identity network changed the data by up to {np.abs(data - expected).max()}")
                if kind == "random" and not (np.isfinite(data).all() and not np.array_equal(data, expected)):
                    failures.append(f"{label}: the data are not finite, or unchanged by a random network")
                print(f"check-nifti: {label}: {'ok' if len(failures) == before else 'FAILED'}")
    for failure in failures:
        print("check-nifti: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
