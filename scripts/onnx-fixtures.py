#!/usr/bin/python3
"""Writes the PyTorch-exported ONNX fixtures of test/io/onnx/ into test/fixtures/onnx/.

Run it with Debian's Python, which has python3-torch and python3-onnx:

    /usr/bin/python3 scripts/onnx-fixtures.py

Each fixture is <name>.onnx, written by torch.onnx.export at opset 17 in eval mode, beside
<name>.json: the input PyTorch was given and the output it computed (float32 values as lists,
with their shapes), which layerwise's loadOnnx must reproduce. npm test never runs this script:
the files it writes are committed. A fixture is one entry of FIXTURES (the recurrent ones are small
wrapper modules around nn.LSTM and nn.GRU, which an nn.Sequential cannot hold: they return a tuple).
"""
import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')
OPSET = 17


def mlp():
    """Linear, ReLU, BatchNorm1d (a BatchNormalization node: it follows a ReLU), Linear, Softmax."""
    return nn.Sequential(
        nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 3), nn.Softmax(dim=1),
    ), (6,)


def cnn():
    """Conv, LeakyReLU(0.2), BatchNorm2d after the activation (so it is not folded into the Conv), MaxPool, Flatten, Linear."""
    return nn.Sequential(
        nn.Conv2d(2, 4, kernel_size=3, padding=1),
        nn.LeakyReLU(0.2),
        nn.BatchNorm2d(4),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 3, kernel_size=3, stride=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3 * 2 * 2, 5),
        nn.Softmax(dim=1),
    ), (2, 8, 8)


def activations():
    """The activations PyTorch writes as several nodes (GELU from Erf, SiLU as x * Sigmoid(x)) or with settings, an Identity and a Dropout."""
    return nn.Sequential(
        nn.Linear(5, 6), nn.GELU(), nn.Identity(), nn.Linear(6, 6), nn.SiLU(), nn.Dropout(0.3), nn.Linear(6, 6), nn.ELU(0.5),
        nn.Linear(6, 6), nn.Softplus(), nn.Linear(6, 6), nn.ReLU6(), nn.Linear(6, 4), nn.PReLU(4), nn.Linear(4, 3), nn.Sigmoid(),
    ), (5,)


def sequence_cnn():
    """A 1-D CNN over [batch, channels, steps], padded as 'same', global average pooling, a Linear head."""
    return nn.Sequential(
        nn.Conv1d(3, 4, kernel_size=3, padding=1), nn.Tanh(), nn.MaxPool1d(2), nn.Conv1d(4, 5, kernel_size=2, dilation=2),
        nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(5, 2),
    ), (3, 12)


def cnn_extras():
    """A Conv padded (1, 2) (no Keras padding: a ZeroPadding2D before it), AvgPool2d (PyTorch writes a Pad of zeros
    before it), then Flatten of channels-first data into BatchNorm1d and PReLU before the Linear (the feature order
    carried through). Not nn.ZeroPad2d: PyTorch 1.13 computes its pads with a subgraph of ten nodes."""
    return nn.Sequential(
        nn.Conv2d(2, 3, kernel_size=3, padding=(1, 2)), nn.ELU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.BatchNorm1d(3 * 4 * 4), nn.PReLU(), nn.Linear(3 * 4 * 4, 4),
    ), (2, 8, 6)


class RecurrentHead(nn.Module):
    """A batch-first nn.LSTM or nn.GRU and a Linear: on the last step's output, out[:, -1] (a Gather of the last step),
    or on the whole sequence (MatMul and Add on rank 3) and then a Tanh. PyTorch's GRU is ONNX's with linear_before_reset 1."""

    def __init__(self, cell, features, units, last_step, bidirectional=False):
        super().__init__()
        self.rnn = cell(input_size=features, hidden_size=units, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(2 * units if bidirectional else units, 2)
        self.last_step = last_step

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1]) if self.last_step else torch.tanh(self.head(out))


def lstm():
    return RecurrentHead(nn.LSTM, 3, 5, last_step=True), (7, 3)


def gru():
    return RecurrentHead(nn.GRU, 4, 3, last_step=False), (5, 4)


def bidirectional_lstm():
    """A bidirectional nn.LSTM: one LSTM node with direction 'bidirectional', its two directions' steps side by side."""
    return RecurrentHead(nn.LSTM, 3, 4, last_step=False, bidirectional=True), (6, 3)


FIXTURES = {'torch-lstm': lstm, 'torch-gru': gru, 'torch-bilstm': bidirectional_lstm, 'torch-mlp': mlp, 'torch-cnn': cnn, 'torch-activations': activations, 'torch-conv1d': sequence_cnn, 'torch-cnn-extras': cnn_extras}


def randomize_batch_norm(model, generator):
    """Moving statistics away from 0 and 1, so that a BatchNormalization that used the wrong ones shows."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=generator) - 0.5)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=generator) + 0.5)
            m.bias.data.copy_(torch.rand(m.bias.shape, generator=generator) - 0.5)


def write(name, make, batch=3):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model, sample = make()
    with torch.no_grad():
        randomize_batch_norm(model, generator)
    model.eval()
    x = torch.rand((batch, *sample), generator=generator) * 4 - 2
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, f'{name}.onnx')
    torch.onnx.export(
        model, x, path, opset_version=OPSET, input_names=['input'], output_names=['output'],
        dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}},
    )
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump({
            'torch': torch.__version__, 'opset': OPSET,
            'inputShape': list(x.shape), 'input': x.flatten().tolist(),
            'outputShape': list(y.shape), 'output': y.flatten().tolist(),
        }, f)
        f.write('\n')
    print(f'wrote {path}')


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for fixture_name, fixture in FIXTURES.items():
        write(fixture_name, fixture)
