"""PyTorch, measured in a child process of bench/run.ts, as the TypeScript peers are.

The same models (nn.Sequential of the same layers, PyTorch's default initialisation), the same
digits (the float32 files the bench wrote: images [N, 784] in [0, 1], one-hot labels [N, 10]),
the same batches (shuffled each epoch, gathered by index), SGD with momentum and cross-entropy on
the logits (as layerwise and Keras fuse softmax and cross-entropy), and the same timing: a warm-up,
then timed segments of whole batches, one samples/s figure a segment. It prints one line,
`RESULT {json}`, as bench/lib/child.ts's `report` does.

Variant '1t' or '2t': torch.set_num_threads(1 or 2); the parent also sets OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS for the run.
"""
import argparse
import json
import os
import resource
import time

import torch
from torch import nn

ap = argparse.ArgumentParser()
for name in ['task', 'variant', 'data', 'warmup', 'segment', 'repeats', 'cap', 'infer-samples', 'gemm-sizes', 'sweep-sizes']:
    ap.add_argument('--' + name, required=True)
args = ap.parse_args()
WARMUP = float(args.warmup)
SEGMENT = float(args.segment)
REPEATS = int(args.repeats)
CAP = float(args.cap)
INFER_SAMPLES = int(args.infer_samples)
SWEEP_SIZES = [int(v) for v in args.sweep_sizes.split(',')]
SWEEP_PARTS = 2 * len(SWEEP_SIZES)

# bench/lib/child.ts's MODELS and SEQUENCES.
LEARNING_RATE = 0.01
MOMENTUM = 0.9
BATCH = 32
INFER_BATCH = {'infer': 32, 'infer-mlp': 256, 'infer-cnn': 256}
LSTM_UNITS = 64
STEPS, FEATURES = 20, 8

torch.set_num_threads(2 if args.variant == '2t' else 1)
torch.manual_seed(0)


def read(part, name):
    with open(os.path.join(args.data, f'{part}-{name}.f32'), 'rb') as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32)


def digits(part, shape):
    x = read(part, 'x')
    y = read(part, 'y').reshape(-1, 10)
    return x.reshape(-1, *shape), y.argmax(dim=1)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():
    # Conv 8 5x5 same, ReLU, pool 2, conv 16 5x5 same, ReLU, pool 3 (28 -> 14 -> 4), dense 10.
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 10))


class LastStep(nn.Module):
    """LSTM over the steps, then the last step's output: Keras's LSTM(64) (returnSequences false)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(FEATURES, LSTM_UNITS, batch_first=True)
        self.dense = nn.Linear(LSTM_UNITS, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.dense(out[:, -1])


class Segments:
    """bench/lib/child.ts's Segments: a warm-up, then segments of whole batches."""

    def __init__(self, warmup, segment, cap):
        self.warmup, self.segment, self.cap = warmup, segment, cap
        self.values = []
        self.started = time.perf_counter()
        self.segment_start = -1.0
        self.samples = 0

    def batch_done(self, samples):
        now = time.perf_counter()
        if self.segment_start < 0:
            elapsed = now - self.started
            if elapsed >= 4 * self.segment:
                self.values.append(samples / elapsed)
                return True
            if elapsed >= self.warmup:
                self.segment_start = now
            return False
        self.samples += samples
        elapsed = now - self.segment_start
        if elapsed < self.segment:
            return False
        self.values.append(self.samples / elapsed)
        self.samples = 0
        self.segment_start = now
        return len(self.values) >= REPEATS or now - self.started >= self.cap


def train(model, x, labels, batch=BATCH, warmup=WARMUP, segment=SEGMENT, cap=CAP):
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    segments = Segments(warmup, segment, cap)
    model.train()
    n = x.shape[0]
    while True:
        order = torch.randperm(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), labels[idx])
            loss.backward()
            opt.step()
            if segments.batch_done(idx.shape[0]):
                return segments.values


def time_repeats(samples, once, warmup=WARMUP, segment=SEGMENT, cap=CAP):
    """bench/lib/child.ts's timeRepeats."""
    started = time.perf_counter()
    once()
    while time.perf_counter() - started < warmup:
        once()
    values = []
    while len(values) < REPEATS:
        t0 = time.perf_counter()
        done = 0
        while True:
            once()
            done += samples
            if time.perf_counter() - t0 >= segment:
                break
        values.append(done / (time.perf_counter() - t0))
        if time.perf_counter() - started >= cap:
            break
    return values


def infer(model, x, batch, **timing):
    """Samples/s of the model over x in batches made up front, without gradients."""
    model.eval()
    batches = [x[i:i + batch] for i in range(0, x.shape[0], batch)]

    def once():
        with torch.no_grad():
            for b in batches:
                model(b)
    return time_repeats(x.shape[0], once, **timing)


def sweep():
    x, labels = digits('train', (1, 28, 28))
    timing = {'warmup': WARMUP / 2, 'segment': SEGMENT / 2, 'cap': 2 * CAP / SWEEP_PARTS}
    out = {}
    for b in SWEEP_SIZES:
        torch.manual_seed(0)
        out[f'train-{b}'] = train(mlp(), x, labels, batch=b, **timing)
        n = b * max(1, round(INFER_SAMPLES / b))
        out[f'infer-{b}'] = infer(mlp(), x[:n], b, **timing)
    return out


def gemm():
    out = {}
    sizes = [int(v) for v in args.gemm_sizes.split(',')]
    warmup, segment, cap = WARMUP / 2, SEGMENT / 2, CAP / len(sizes)
    for n in sizes:
        a = torch.rand(n, n) * 2 - 1
        b = torch.rand(n, n) * 2 - 1
        c = torch.empty(n, n)
        flops = 2 * n ** 3
        values = []
        started = time.perf_counter()
        while time.perf_counter() - started < warmup:
            torch.mm(a, b, out=c)
        while len(values) < REPEATS:
            t0 = time.perf_counter()
            reps = 0
            while True:
                torch.mm(a, b, out=c)
                reps += 1
                if time.perf_counter() - t0 >= segment:
                    break
            values.append(reps * flops / (time.perf_counter() - t0) / 1e9)
            if time.perf_counter() - started >= cap:
                break
        out[str(n)] = values
    return out


def main():
    task = args.task
    if task in ('mlp', 'cnn'):
        x, labels = digits('train', (1, 28, 28))
        return {'values': train(mlp() if task == 'mlp' else cnn(), x, labels)}
    if task in INFER_BATCH:
        x, _ = digits('test', (1, 28, 28))
        return {'values': infer(mlp() if task == 'infer-mlp' else cnn(), x[:INFER_SAMPLES], INFER_BATCH[task])}
    if task == 'lstm':
        x, labels = digits('seq', (STEPS, FEATURES))
        return {'values': train(LastStep(), x, labels)}
    if task == 'sweep':
        return {'values': [], 'sweep': sweep()}
    if task == 'gemm':
        return {'values': [], 'gemm': gemm()}
    return {'values': [], 'error': f'{task}: layerwise only'}


try:
    result = main()
except Exception as error:  # reported in the table, as the TypeScript peers do
    result = {'values': [], 'error': str(error).split('\n')[0]}
result['peakRss'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
result['peakHeap'] = 0
result['note'] = f'torch {torch.__version__}'
print('\nRESULT ' + json.dumps(result), flush=True)
