"""Plain PyTorch definitions of the models wconv trains, with the parameter and buffer names of
`wconv export --format safetensors` (the names of the usual PyTorch definitions: torchvision-style
VGG `features`/`classifier`, ResNet `layers.i.j.conv1 … downsample`, DnCNN `dncnn`, NAFNet
`intro … middle_blks … ending`). Every convolution is an ordinary `nn.Conv2d`: the export folds
each weighted kernel (W ⊙ Φ), so no density is needed here. Every model takes `make`, the
factory of its convolutions (`conv`'s signature), so that scripts/pytorch-bench.py can build the
same models with weighted convolutions.

    model = torch_models.from_run(config, metadata)   # config.json and the safetensors metadata
    model.load_state_dict(safetensors.torch.load_file("model-pytorch.safetensors"))
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

VGG_LAYERS = {
    "vgg-small": [16, "M", 32, "M", 64, "M"],
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}
RESNET_STAGES = {"resnet20": ([3, 3, 3], [16, 32, 64]), "resnet18": ([2, 2, 2, 2], [64, 128, 256, 512])}


def conv(cin, cout, k, stride=1, padding=None, groups=1, bias=True):
    """A square convolution, padded to keep the size by default (k // 2)."""
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2 if padding is None else padding, groups=groups, bias=bias)


class Normalised(nn.Module):
    """A classifier whose raw pixels in [0, 1] are normalised per channel first, as wconv's."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    def forward(self, x):
        return self.model((x - self.mean) / self.std)

    def load_state_dict(self, state, strict=True):
        return self.model.load_state_dict(state, strict=strict)


class VGG(nn.Module):
    """conv-bn-relu blocks and 2×2 max pools (skipped once the map is 1 pixel), one linear layer."""

    def __init__(self, layers, channels, size, classes, k, make=conv):
        super().__init__()
        modules = []
        for item in layers:
            if item == "M":
                if size >= 2:
                    modules.append(nn.MaxPool2d(2))
                    size //= 2
            else:
                modules += [make(channels, item, k), nn.BatchNorm2d(item), nn.ReLU(inplace=True)]
                channels = item
        self.features = nn.Sequential(*modules)
        self.classifier = nn.Linear(channels * size * size, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, k, make=conv):
        super().__init__()
        self.conv1, self.bn1 = make(cin, cout, k, stride, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = make(cout, cout, k, bias=False), nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(make(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, blocks, widths, channels, classes, k, make=conv):
        super().__init__()
        self.stem = nn.Sequential(make(channels, widths[0], k, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
        stages, c = [], widths[0]
        for stage, (count, width) in enumerate(zip(blocks, widths)):
            stages.append(nn.Sequential(*[BasicBlock(c if i == 0 else width, width, 2 if stage > 0 and i == 0 else 1, k, make)
                                          for i in range(count)]))
            c = width
        self.layers = nn.Sequential(*stages)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1), 1))


class DnCNN(nn.Module):
    """Residual learning: the network predicts the noise, which is subtracted from its input; for
    series, images or volumes (`rank` 1, 2 or 3: `make` must build convolutions of that rank)."""

    def __init__(self, channels, depth, width, k, make=conv, rank=2):
        super().__init__()
        batch_norm = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[rank]
        layers = [make(channels, width, k), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [make(width, width, k, bias=False), batch_norm(width), nn.ReLU(inplace=True)]
        self.dncnn = nn.Sequential(*layers, make(width, channels, k, bias=False))

    def forward(self, x):
        return x - self.dncnn(x)


class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c)), eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        return self.weight.view(1, -1, 1, 1) * (x - mu) / (var + self.eps).sqrt() + self.bias.view(1, -1, 1, 1)


def simple_gate(x):
    a, b = x.chunk(2, dim=1)
    return a * b


class NAFBlock(nn.Module):
    def __init__(self, c, k, make=conv):
        super().__init__()
        self.norm1, self.norm2 = LayerNorm2d(c), LayerNorm2d(c)
        self.conv1, self.conv2 = make(c, 2 * c, 1), make(2 * c, 2 * c, k, groups=2 * c)
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), make(c, c, 1))
        self.conv3, self.conv4, self.conv5 = make(c, c, 1), make(c, 2 * c, 1), make(c, c, 1)
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, inp):
        x = simple_gate(self.conv2(self.conv1(self.norm1(inp))))
        x = self.conv3(x * self.sca(x))
        y = inp + x * self.beta
        x = self.conv5(simple_gate(self.conv4(self.norm2(y))))
        return y + x * self.gamma


class NAFNet(nn.Module):
    def __init__(self, channels, width, blocks, k, levels=2, make=conv):
        super().__init__()
        self.intro, self.ending = make(channels, width, 3), make(width, channels, 3)
        self.encoders, self.downs, self.ups, self.decoders = (nn.ModuleList() for _ in range(4))
        c = width
        for _ in range(levels):
            self.encoders.append(nn.Sequential(*[NAFBlock(c, k, make) for _ in range(blocks)]))
            self.downs.append(make(c, 2 * c, 2, 2, 0))
            c *= 2
        self.middle_blks = nn.Sequential(*[NAFBlock(c, k, make) for _ in range(blocks)])
        for _ in range(levels):
            self.ups.append(nn.Sequential(make(c, 2 * c, 1, bias=False), nn.PixelShuffle(2)))
            c //= 2
            self.decoders.append(nn.Sequential(*[NAFBlock(c, k, make) for _ in range(blocks)]))

    def forward(self, inp):
        x, skips = self.intro(inp), []
        for encoder, down in zip(self.encoders, self.downs):
            x = encoder(x)
            skips.append(x)
            x = down(x)
        x = self.middle_blks(x)
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = decoder(up(x) + skip)
        return inp + self.ending(x)


def from_run(config, metadata, input_shape):
    """The model of a run folder's `config.json` (a dict) for inputs of `input_shape`
    `[B, C, H, W]`; classifiers take raw pixels and normalise them with the metadata's mean and
    standard deviation (the safetensors metadata of the export)."""
    e = config["experiment"]
    name, k, channels, size = e["model"], e["kernelSize"], input_shape[1], input_shape[2]
    if name in VGG_LAYERS or name in RESNET_STAGES:
        classes = int(metadata["classes"])
        model = (VGG(VGG_LAYERS[name], channels, size, classes, k) if name in VGG_LAYERS
                 else ResNet(*RESNET_STAGES[name], channels, classes, k))
        return Normalised(model, json.loads(metadata["normalisation_mean"]), json.loads(metadata["normalisation_std"]))
    if name == "dncnn":
        return DnCNN(channels, e["depth"], e["width"], k)
    if name == "nafnet":
        return NAFNet(channels, e["nafWidth"], e["nafBlocks"], k)
    raise SystemExit(f"torch_models: no PyTorch definition of {name}")
