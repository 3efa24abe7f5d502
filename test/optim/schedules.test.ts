/**
 * Learning rate schedules (issue 12): each against Keras 3's formula
 * (keras/src/optimizers/schedules/learning_rate_schedule.py) written out here in float64, their
 * option errors, an optimizer stepping by one, and saving, loading and resuming with one.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dense, fromArray, LayerwiseError, LearningRateScheduler, loadModel, ReduceLROnPlateau, schedules, Sequential, SGD, Adam, OPTIMIZER_CLASSES, type LearningRateSchedule } from 'layerwise';
import { readModelJSON, tempDir } from '../io/helpers';
import { RESUME_FIT, RESUME_X, RESUME_Y, resumeModel } from '../io/resume-model';

const dir = tempDir('layerwise-schedules-');
const bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
const STEPS = [0, 1, 2, 3, 5, 7, 10, 11, 19, 20, 21, 35, 60, 100, 1000];

function expectFollows(schedule: LearningRateSchedule, reference: (step: number) => number, steps = STEPS): void {
  for (const step of steps) expect(schedule.at(step), `step ${step}`).toBeCloseTo(reference(step), 14);
}

describe('each schedule follows Keras 3', () => {
  it('ExponentialDecay, continuous and staircase', () => {
    const smooth = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(smooth.className).toBe('ExponentialDecay');
    expect(smooth.config).toEqual({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: false });
    expectFollows(smooth, (s) => 0.1 * Math.pow(0.5, s / 10));
    expect(smooth.at(10)).toBe(0.05);
    const stairs = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expectFollows(stairs, (s) => 0.1 * Math.pow(0.5, Math.floor(s / 10)));
    expect([stairs.at(0), stairs.at(9), stairs.at(10), stairs.at(19), stairs.at(20)]).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('PiecewiseConstantDecay: values[0] up to and at the first boundary, the last after the last', () => {
    const s = schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect(s.className).toBe('PiecewiseConstantDecay');
    expect(s.config).toEqual({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    const expected: [number, number][] = [[0, 1], [9, 1], [10, 1], [11, 0.5], [20, 0.5], [21, 0.1], [1000, 0.1]];
    for (const [step, value] of expected) expect(s.at(step), `step ${step}`).toBe(value);
  });

  it('InverseTimeDecay, continuous and staircase', () => {
    const smooth = schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5 });
    expect(smooth.config).toEqual({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5, staircase: false });
    expectFollows(smooth, (s) => 0.1 / (1 + (0.5 * s) / 5));
    const stairs = schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5, staircase: true });
    expectFollows(stairs, (s) => 0.1 / (1 + 0.5 * Math.floor(s / 5)));
  });

  it('PolynomialDecay: clamped at decaySteps, or cycling over multiples of it', () => {
    const linear = schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 20 });
    expect(linear.config).toEqual({ initialLearningRate: 0.1, decaySteps: 20, endLearningRate: 0.0001, power: 1, cycle: false });
    expectFollows(linear, (s) => (0.1 - 0.0001) * (1 - Math.min(s, 20) / 20) + 0.0001);
    expect(linear.at(20)).toBeCloseTo(0.0001, 15);
    expect(linear.at(500)).toBeCloseTo(0.0001, 15);
    const sqrt = schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 20, endLearningRate: 0.01, power: 0.5 });
    expectFollows(sqrt, (s) => (0.1 - 0.01) * Math.pow(1 - Math.min(s, 20) / 20, 0.5) + 0.01);
    const cycle = schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 20, endLearningRate: 0.01, power: 2, cycle: true });
    const reference = (s: number) => {
      const d = 20 * (s === 0 ? 1 : Math.ceil(s / 20));
      return (0.1 - 0.01) * Math.pow(1 - s / d, 2) + 0.01;
    };
    expectFollows(cycle, reference);
    // At a multiple of decaySteps the cycle is at its end; one step later it restarts (from below the initial rate).
    expect(cycle.at(20)).toBeCloseTo(0.01, 15);
    expect(cycle.at(21)).toBeCloseTo(0.09 * (1 - 21 / 40) ** 2 + 0.01, 15);
  });

  it('CosineDecay, without and with a warmup', () => {
    const plain = schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 20, alpha: 0.1 });
    expect(plain.config).toEqual({ initialLearningRate: 0.1, decaySteps: 20, alpha: 0.1, warmupSteps: 0 });
    const decayed = (s: number, steps: number, from: number, alpha: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / steps))) + alpha);
    expectFollows(plain, (s) => decayed(Math.min(s, 20), 20, 0.1, 0.1));
    expect(plain.at(0)).toBeCloseTo(0.1, 15);
    expect(plain.at(20)).toBeCloseTo(0.01, 15);
    const warm = schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 20, warmupTarget: 0.1, warmupSteps: 10 });
    expect(warm.config).toEqual({ initialLearningRate: 0, decaySteps: 20, alpha: 0, warmupSteps: 10, warmupTarget: 0.1 });
    const reference = (step: number) => {
      const s = Math.min(step, 20 + 10);
      return s < 10 ? (0.1 - 0) * (s / 10) + 0 : decayed(s - 10, 20, 0.1, 0);
    };
    expectFollows(warm, reference);
    expect([warm.at(0), warm.at(5)]).toEqual([0, 0.05]);
    expect(warm.at(10)).toBeCloseTo(0.1, 15);
    expect(warm.at(30)).toBeCloseTo(0, 15);
  });

  it('CosineDecayRestarts: geometric periods (tMul 2), equal periods (tMul 1), mMul and alpha', () => {
    const reference = (lr0: number, first: number, tMul: number, mMul: number, alpha: number) => (step: number) => {
      let f = step / first;
      let i: number;
      if (tMul === 1) {
        i = Math.floor(f);
        f -= i;
      } else {
        i = Math.floor(Math.log(1 - f * (1 - tMul)) / Math.log(tMul));
        f = (f - (1 - Math.pow(tMul, i)) / (1 - tMul)) / Math.pow(tMul, i);
      }
      const cosine = 0.5 * Math.pow(mMul, i) * (1 + Math.cos(Math.PI * f));
      return lr0 * ((1 - alpha) * cosine + alpha);
    };
    const geometric = schedules.cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10 });
    expect(geometric.config).toEqual({ initialLearningRate: 0.1, firstDecaySteps: 10, tMul: 2, mMul: 1, alpha: 0 });
    expectFollows(geometric, reference(0.1, 10, 2, 1, 0));
    // Restarts at 10 and 30 (periods of 10, 20, 40): back to the initial rate.
    expect(geometric.at(10)).toBeCloseTo(0.1, 12);
    expect(geometric.at(30)).toBeCloseTo(0.1, 12);
    expect(geometric.at(20)).toBeCloseTo(0.05, 12);
    const equal = schedules.cosineDecayRestarts({ initialLearningRate: 0.2, firstDecaySteps: 8, tMul: 1, mMul: 0.5, alpha: 0.1 });
    expectFollows(equal, reference(0.2, 8, 1, 0.5, 0.1));
    expect(equal.at(8)).toBeCloseTo(0.2 * (0.9 * 0.5 + 0.1), 14);
    const longer = schedules.cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 4, tMul: 1.5, mMul: 0.8, alpha: 0.05 });
    expectFollows(longer, reference(0.1, 4, 1.5, 0.8, 0.05));
  });

  it('schedules are frozen plain objects', () => {
    const s = schedules.piecewiseConstantDecay({ boundaries: [1], values: [2, 1] });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.config)).toBe(true);
    expect(() => (s.config.boundaries as number[]).push(3)).toThrow();
  });
});

describe('schedule options are checked', () => {
  it('an unknown key names the nearest', () => {
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decay_rate: 0.5 } as never)).toThrow(LayerwiseError);
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decay_rate: 0.5 } as never)).toThrow(/"decay_rate" is not an option of ExponentialDecay\. Did you mean "decayRate"\?/);
    expect(() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarge: 1 } as never)).toThrow(/Did you mean "warmupTarget"\?/);
    expect(() => schedules.cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10, t_mul: 1 } as never)).toThrow(/Did you mean "tMul"\?/);
  });

  it('required options, and options that are not an object', () => {
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1 } as never)).toThrow(/^ExponentialDecay: decaySteps, decayRate are required\.$/);
    expect(() => schedules.polynomialDecay(undefined as never)).toThrow(/PolynomialDecay: expected an options object/);
    expect(() => schedules.polynomialDecay(0.1 as never)).toThrow(/PolynomialDecay: expected an options object/);
  });

  it('ranges', () => {
    for (const decaySteps of [0, -1, NaN, Infinity]) {
      expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps, decayRate: 0.5 })).toThrow(/^ExponentialDecay: decaySteps must be a positive number\./);
      expect(() => schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps, decayRate: 0.5 })).toThrow(/^InverseTimeDecay: decaySteps must be a positive number\./);
      expect(() => schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps })).toThrow(/^PolynomialDecay: decaySteps must be a positive number\./);
      expect(() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps })).toThrow(/^CosineDecay: decaySteps must be a positive number\./);
      expect(() => schedules.cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: decaySteps })).toThrow(/^CosineDecayRestarts: firstDecaySteps must be a positive number\./);
    }
    expect(() => schedules.exponentialDecay({ initialLearningRate: -0.1, decaySteps: 1, decayRate: 0.5 })).toThrow(/initialLearningRate must be a non-negative number\. Received: initialLearningRate=-0\.1\./);
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5, staircase: 1 as never })).toThrow(/staircase must be true or false/);
    expect(() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 1, alpha: 1.5 })).toThrow(/CosineDecay: alpha must be a number in \[0, 1\]/);
    expect(() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 1, warmupSteps: -1 })).toThrow(/warmupSteps must be a non-negative number/);
    expect(() => schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 1, cycle: 'yes' as never })).toThrow(/cycle must be true or false/);
    expect(() => schedules.cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 1, tMul: 0 })).toThrow(/tMul must be a positive number/);
  });

  it('PiecewiseConstantDecay boundaries and values', () => {
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5] })).toThrow(/values must have one more element than boundaries\. Received: 2 boundaries and 2 values\./);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [20, 10], values: [1, 0.5, 0.1] })).toThrow(/boundaries must be strictly increasing/);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [], values: [1] })).toThrow(/boundaries must hold at least one step/);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: 10 as never, values: [1, 0.5] })).toThrow(/boundaries must be an array of finite numbers/);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [10], values: [1, -0.5] })).toThrow(/values must be non-negative learning rates/);
  });

  it('scheduleFromConfig rebuilds each, and refuses an unknown class name', () => {
    const all = [
      schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
      schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }),
      schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5 }),
      schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 20, cycle: true }),
      schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 20, warmupTarget: 0.1, warmupSteps: 10 }),
      schedules.cosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10, tMul: 1.5 }),
    ];
    for (const s of all) {
      const back = schedules.scheduleFromConfig(s.className, JSON.parse(JSON.stringify(s.config)));
      expect(back.className).toBe(s.className);
      expect(back.config).toEqual(s.config);
      for (const step of STEPS) expect(back.at(step)).toBe(s.at(step));
    }
    expect(() => schedules.scheduleFromConfig('StepDecay', {})).toThrow(/"StepDecay" is not a learning rate schedule layerwise has \(ExponentialDecay, /);
  });
});

describe('optimizers take a schedule as their learning rate', () => {
  const decay = () => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });

  it('an SGD fit steps with schedule.at(iterations): the weight of a 1-weight model after 3 steps', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones' })] });
    const optimizer = new SGD({ learningRate: decay() });
    model.compile({ optimizer, loss: 'mse' });
    expect(optimizer.learningRate).toBe(0.1);
    const xs = [1, 2, 3];
    const history = await model.fit(fromArray(xs.map((x) => [x])), fromArray([[0], [0], [0]]), { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 });
    // The epoch's logs show the rate where the schedule is, as Keras's learning_rate.
    expect(history.history.learning_rate).toEqual([0.0125]);
    // mse of one sample: (x w)², gradient 2 x² w; the rates of steps 0, 1, 2 are 0.1, 0.05, 0.025.
    let w = 1;
    const rates = [0.1, 0.05, 0.025];
    for (let k = 0; k < 3; k++) w = w - rates[k] * 2 * xs[k] * xs[k] * w;
    expect(optimizer.iterations).toBe(3);
    expect(model.getWeights()[0].data[0]).toBeCloseTo(w, 6);
    expect(w).toBeCloseTo(0.8 * 0.6 * 0.55, 12);
    // Between steps, learningRate is the next step's rate (Keras's optimizer.learning_rate).
    expect(optimizer.learningRate).toBe(0.0125);
    expect(optimizer.schedule?.className).toBe('ExponentialDecay');
  });

  it('a constant schedule steps exactly as the number does, for every optimizer', () => {
    for (const cls of OPTIMIZER_CLASSES.values()) {
      const withNumber = new cls({ learningRate: 0.01 });
      const withSchedule = new cls({ learningRate: schedules.piecewiseConstantDecay({ boundaries: [100], values: [0.01, 0.01] }) } as never);
      const run = (o: typeof withNumber) => {
        const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
        model.compile({ optimizer: o, loss: 'mse' });
        const params = model.params();
        for (let step = 0; step < 3; step++) {
          params.forEach((p) => p.grad.data.forEach((_, i) => (p.grad.data[i] = Math.sin(i + step + 1))));
          o.step(params);
        }
        return params.map((p) => bytes(p.value.data));
      };
      expect(run(withSchedule), cls.className).toEqual(run(withNumber));
    }
  });

  it('a bare schedule is the learning rate; setting a number replaces the schedule; a bad rate is refused', () => {
    const sgd = new SGD(decay());
    expect(sgd.schedule).toBeDefined();
    sgd.learningRate = 0.3;
    expect(sgd.schedule).toBeUndefined();
    expect(sgd.learningRate).toBe(0.3);
    sgd.learningRate = decay();
    sgd.iterations = 2;
    expect(sgd.learningRate).toBe(0.025);
    expect(() => (sgd.learningRate = -1)).toThrow(/SGD: learningRate must be a positive number/);
    expect(() => new Adam({ learningRate: { at: 3 } as never })).toThrow(/Adam: learningRate must be a positive number/);
  });

  it('config round trip: new SGD({ learningRate: schedules.exponentialDecay(...) })', () => {
    const sgd = new SGD({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.96, staircase: true }), momentum: 0.9 });
    const config = sgd.getConfig();
    expect(config).toEqual({
      learningRate: { className: 'ExponentialDecay', config: { initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.96, staircase: true } },
      momentum: 0.9,
      nesterov: false,
    });
    const back = new SGD(JSON.parse(JSON.stringify(config)));
    expect(back.getConfig()).toEqual(config);
    expect(back.schedule!.at(250)).toBe(sgd.schedule!.at(250));
    expect(() => new SGD({ learningRate: { className: 'Nope', config: {} } as never })).toThrow(/"Nope" is not a learning rate schedule/);
  });

  it('LearningRateScheduler sets numbers over a schedule; ReduceLROnPlateau refuses one', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1] })] });
    const optimizer = new SGD({ learningRate: decay() });
    model.compile({ optimizer, loss: 'mse' });
    const x = fromArray([[1], [2]]);
    const y = fromArray([[1], [2]]);
    const seen: number[] = [];
    await model.fit(x, y, { epochs: 2, batchSize: 1, verbose: 0, callbacks: [new LearningRateScheduler((_, lr) => (seen.push(lr), lr))] });
    // Epoch 0: the schedule's rate for step 0; then the number set stays.
    expect(seen).toEqual([0.1, 0.1]);
    expect(optimizer.schedule).toBeUndefined();
    const other = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1] })] });
    other.compile({ optimizer: new SGD({ learningRate: decay() }), loss: 'mse' });
    await expect(other.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y], callbacks: [new ReduceLROnPlateau()] })).rejects.toThrow(
      /ReduceLROnPlateau: the optimizer's learning rate is a schedule \(ExponentialDecay\)/,
    );
  });
});

describe('saving with a schedule', () => {
  const make = () =>
    new Adam({ learningRate: schedules.cosineDecayRestarts({ initialLearningRate: 0.01, firstDecaySteps: 4, tMul: 1.5, mMul: 0.9, alpha: 0.1 }) });

  it('resumes bit for bit: 2 epochs, save, load, 2 more equals 4 straight', async () => {
    const straight = resumeModel(make());
    const all = await straight.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 4 });
    const first = resumeModel(make());
    await first.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 2 });
    const path = join(dir, 'adam-restarts');
    await first.save(path);
    const json = readModelJSON(path);
    // TF.js has no schedules: no trainingConfig; layerwise's metadata keeps the schedule.
    expect(json.trainingConfig).toBeUndefined();
    expect(json.userDefinedMetadata.layerwise.compile.optimizer.config.learningRate).toEqual({
      className: 'CosineDecayRestarts',
      config: { initialLearningRate: 0.01, firstDecaySteps: 4, tMul: 1.5, mMul: 0.9, alpha: 0.1 },
    });
    const resumed = await loadModel(path);
    expect(resumed.optimizer).toBeInstanceOf(Adam);
    expect(resumed.optimizer!.getConfig()).toEqual(make().getConfig());
    expect(resumed.optimizer!.iterations).toBe(6);
    expect(resumed.optimizer!.learningRate).toBe(first.optimizer!.learningRate);
    const rest = await resumed.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 2 });
    expect(rest.history.loss).toEqual(all.history.loss.slice(2));
    expect(resumed.getWeights().map((t) => bytes(t.data))).toEqual(straight.getWeights().map((t) => bytes(t.data)));
    // And the schedule mattered: a constant rate gives other weights.
    const constant = resumeModel(new Adam({ learningRate: 0.01 }));
    await constant.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 4 });
    expect(constant.getWeights().map((t) => bytes(t.data))).not.toEqual(straight.getWeights().map((t) => bytes(t.data)));
  });

  it('a plain SGD still writes TF.js trainingConfig; a bad saved schedule fails naming the field', async () => {
    const plain = resumeModel(new SGD({ learningRate: 0.01 }));
    const p1 = join(dir, 'plain-sgd');
    await plain.save(p1);
    expect(readModelJSON(p1).trainingConfig.optimizer_config).toEqual({ class_name: 'SGD', config: { learningRate: 0.01 } });
    const scheduled = resumeModel(new SGD({ learningRate: schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 10 }) }));
    const p2 = join(dir, 'bad-schedule');
    await scheduled.save(p2);
    const { writeFileSync } = await import('node:fs');
    const json = readModelJSON(p2);
    json.userDefinedMetadata.layerwise.compile.optimizer.config.learningRate.config.decaySteps = 0;
    writeFileSync(join(p2, 'model.json'), JSON.stringify(json));
    await expect(loadModel(p2)).rejects.toThrow(/compile\.optimizer\.config cannot be used: PolynomialDecay: decaySteps must be a positive number/);
    json.userDefinedMetadata.layerwise.compile.optimizer.config.learningRate = { className: 7, config: {} };
    writeFileSync(join(p2, 'model.json'), JSON.stringify(json));
    await expect(loadModel(p2)).rejects.toThrow(/learningRate\.className must be a learning rate schedule class name/);
  });
});
