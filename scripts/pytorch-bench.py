#!/usr/bin/env python3
"""PyTorch on the CPU, for comparison with `wconv bench train` and `wconv bench conv`.
Needs torch (the CPU wheel from PyPI); not a dependency of the package.

    python3 scripts/pytorch-bench.py train [--threads 2] [--steps 10] [--model vgg16 ...]
    python3 scripts/pytorch-bench.py conv --shape SPEC [--shape SPEC ...] [--threads 2]
    python3 scripts/pytorch-bench.py memory --model dncnn --conv weighted [--threads 2]

train: builds each model of Sources/Models with standard and with weighted convolution (the
kernel multiplied by a trainable density Φ = α ⊗ α, α = [d, 1, d], every step, as the papers'
reference implementation does; α alone for series, α ⊗ α ⊗ α for volumes), times forward, loss, backward and an AdamW step, and prints
the median and best step time over the timed steps after two warm-ups.

conv: GFLOP/s of torch.nn.functional.conv2d/conv1d/conv3d, forward and forward+backward, on
the layers given by --shape (stride, padding and groups included; the spec format is in
conv_shape.py), which `wconv bench conv --against pytorch` passes from its own shape table (best of
5 after 2 warm-ups). Each row echoes its spec; `wconv bench conv --shapes all --list` lists them.

memory: the peak resident memory (ru_maxrss) of this process over three training steps of one
model and kind, and its resident memory before the model was built (torch imported), in MiB;
`wconv bench train --against pytorch` runs it once per model and kind, each in its own process.
"""
import argparse, resource, statistics, time
from bench_timing import best_seconds
import torch
import torch.nn as nn
import torch.nn.functional as F

import conv_shape
import torch_models


def weighted_conv(base):
    """`base` (nn.Conv1d, nn.Conv2d or nn.Conv3d) whose kernel is multiplied by α ⊗ α ⊗ …, one α per
    spatial axis, α = [d…, 1, …d] with trainable d."""

    class Weighted(base):
        def __init__(self, *args, den=(0.5,), **kwargs):
            super().__init__(*args, **kwargs)
            self.den = nn.Parameter(torch.tensor(den, dtype=torch.float32))

        def density(self):
            alpha = torch.cat([self.den, torch.ones(1), self.den.flip(0)])
            density = alpha
            for _ in range(self.weight.dim() - 3):
                density = density.unsqueeze(-1) * alpha
            return density

        def forward(self, x):
            return self._conv_forward(x, self.weight * self.density(), self.bias)

    return Weighted


CONVOLUTIONS = {rank: (base, weighted_conv(base)) for rank, base in [(1, nn.Conv1d), (2, nn.Conv2d), (3, nn.Conv3d)]}


def conv_factory(weighted, rank=2):
    def make(cin, cout, k, stride=1, padding=None, groups=1, bias=True):
        padding = k // 2 if padding is None else padding
        cls = CONVOLUTIONS[rank][1 if weighted and k == 3 else 0]
        return cls(cin, cout, k, stride=stride, padding=padding, groups=groups, bias=bias)
    return make


def fcn(conv, widths=(128, 256, 128), kernels=(7, 5, 3)):
    """The FCN of Wang, Yan & Oates (2017) for series, with odd kernels and no bias before batch norm."""
    layers, c = [], 1
    for width, k in zip(widths, kernels):
        layers += [conv(c, width, k, bias=False), nn.BatchNorm1d(width), nn.ReLU(inplace=True)]
        c = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(c, 100))


# The models of Sources/Models (the image ones and DnCNN as scripts/torch_models.py defines them, the
# definitions the export check loads wconv's weights into), built with standard or weighted convolutions.
CASES = {
    'vgg16': ('VGG-16 bn, CIFAR 32×32, batch 64',
              lambda make: torch_models.VGG(torch_models.VGG_LAYERS['vgg16'], 3, 32, 100, 3, make), (64, 3, 32, 32), True),
    'resnet18': ('ResNet-18, CIFAR 32×32, batch 64',
                 lambda make: torch_models.ResNet(*torch_models.RESNET_STAGES['resnet18'], 3, 100, 3, make), (64, 3, 32, 32), True),
    'dncnn': ('DnCNN 17×64, 64×64 grey, batch 16', lambda make: torch_models.DnCNN(1, 17, 64, 3, make), (16, 1, 64, 64), False),
    'nafnet': ('NAFNet w16 [1,1]+1, 64×64 RGB, batch 16', lambda make: torch_models.NAFNet(3, 16, 1, 3, make=make),
               (16, 3, 64, 64), False),
    'fcn1d': ('FCN 128-256-128 (7,5,3), series of 512, batch 64', fcn, (64, 1, 512), True),
    'dncnn3d': ('DnCNN 3-D 8×32, 24³ grey, batch 4', lambda make: torch_models.DnCNN(1, 8, 32, 3, make, rank=3),
                (4, 1, 24, 24, 24), False),
}


def step_times(build, shape, classification, weighted, steps):
    torch.manual_seed(1)
    model = build(conv_factory(weighted, rank=len(shape) - 2))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(*shape)
    labels = torch.arange(shape[0]) % 100
    times = []
    for step in range(steps + 2):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        out = model(x)
        loss = F.cross_entropy(out, labels) if classification else F.mse_loss(out, x)
        loss.backward()
        optimizer.step()
        if step >= 2:
            times.append(time.perf_counter() - start)
    return times


def conv_table(args):
    if not args.shape:
        raise SystemExit('conv needs at least one --shape (see wconv bench conv --list)')
    layers = [conv_shape.parse(spec) for spec in args.shape]
    print(f'{"shape":24} {"spec":>28} {"fwd GFLOP/s":>12} {"fwd+bwd GFLOP/s":>16}')
    for spec, layer in zip(args.shape, layers):
        conv = [F.conv1d, F.conv2d, F.conv3d][layer.rank - 1]
        x = torch.randn(*layer.input, requires_grad=True)
        w = torch.randn(*layer.weight, requires_grad=True)
        run = lambda: conv(x, w, stride=layer.stride, padding=layer.padding, groups=layer.groups)
        y = run()
        if tuple(y.shape) != layer.output:
            raise SystemExit(f'{spec}: PyTorch gives {tuple(y.shape)}, the spec {layer.output}')
        forward = best_seconds(run)
        both = best_seconds(lambda: run().backward(torch.ones_like(y)))
        print(f'{str(list(layer.input)):24} {spec:>28} {layer.flops / forward / 1e9:12.1f} '
              f'{3 * layer.flops / both / 1e9:16.1f}', flush=True)


def train_table(args):
    print(f'{"model":42} {"conv":8} {"median ms":>9} {"best ms":>8} {"images/s":>8} {"weighted vs standard":>20}')
    for key in args.model or list(CASES):
        name, build, shape, classification = CASES[key]
        standard = None
        for weighted in (False, True):
            times = step_times(build, shape, classification, weighted, args.steps)
            median = statistics.median(times)
            ratio = '' if standard is None else f'{100 * (median / standard - 1):+.1f} %'
            standard = standard or median
            print(f'{name:42} {"weighted" if weighted else "standard":8} {1000 * median:9.1f} {1000 * min(times):8.1f} '
                  f'{shape[0] / median:8.1f} {ratio:>20}', flush=True)


def resident_mib():
    """The resident memory of this process now (VmRSS), MiB."""
    with open('/proc/self/status') as status:
        line = next(line for line in status if line.startswith('VmRSS:'))
    return int(line.split()[1]) / 1024


def memory_table(args):
    if not args.model or len(args.model) != 1:
        raise SystemExit('memory needs exactly one --model')
    name, build, shape, classification = CASES[args.model[0]]
    start = resident_mib()
    step_times(build, shape, classification, args.conv == 'weighted', steps=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'peak {peak:.1f} start {start:.1f}', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('table', choices=['train', 'conv', 'memory'])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--model', action='append', choices=sorted(CASES))
    parser.add_argument('--conv', choices=['standard', 'weighted'], default='standard')
    parser.add_argument('--shape', action='append', help='conv: one layer, B,Cin,x...:Cout:k:stride:padding:groups')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    {'train': train_table, 'conv': conv_table, 'memory': memory_table}[args.table](args)


if __name__ == '__main__':
    main()
