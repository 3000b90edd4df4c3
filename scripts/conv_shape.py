#!/usr/bin/env python3
"""One convolution layer as `wconv bench conv` passes it to pytorch-bench.py (`conv --shape SPEC`):

    SPEC = B,Cin,x...:Cout:k:stride:padding:groups     e.g. 64,64,32,32:128:3:2:1:1

(input shape, output channels, kernel extent, stride and symmetric zero padding on every spatial
axis, channel groups). No torch needed: `python3 scripts/conv_shape.py SPEC...` prints each layer's
spec, weight shape, output shape and forward FLOPs, the first fields of `wconv bench conv --list`,
so that a test can check that both read the same layers.
"""
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class ConvShape:
    input: tuple
    out: int
    k: int
    stride: int
    padding: int
    groups: int

    @property
    def rank(self):
        return len(self.input) - 2

    @property
    def weight(self):
        return (self.out, self.input[1] // self.groups) + (self.k,) * self.rank

    @property
    def output(self):
        extents = tuple((n + 2 * self.padding - self.k) // self.stride + 1 for n in self.input[2:])
        return (self.input[0], self.out) + extents

    @property
    def flops(self):
        """2·B·Cout·(Cin/g)·k^D·∏y: the multiply-adds of one forward pass, twice."""
        count = 2 * (self.input[1] // self.groups) * self.k ** self.rank
        for n in self.output:
            count *= n
        return count


def parse(spec):
    """The layer a spec describes; ValueError when it is malformed."""
    fields = spec.split(':')
    if len(fields) != 6:
        raise ValueError(f'{spec!r}: expected B,Cin,x...:Cout:k:stride:padding:groups')
    shape = ConvShape(tuple(int(n) for n in fields[0].split(',')), *(int(n) for n in fields[1:]))
    if not 1 <= shape.rank <= 3 or shape.input[1] % shape.groups or shape.out % shape.groups \
            or min(shape.output) < 1 or min(shape.input + (shape.k, shape.stride, shape.groups)) < 1 or shape.padding < 0:
        raise ValueError(f'{spec!r}: not a valid 1-, 2- or 3-D convolution')
    return shape


def brackets(values):
    return '[' + ','.join(str(v) for v in values) + ']'


if __name__ == '__main__':
    for spec in sys.argv[1:]:
        layer = parse(spec)
        print(spec, brackets(layer.weight), brackets(layer.output), layer.flops)
