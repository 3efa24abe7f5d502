/**
 * Every optimizer, with and without the base options, resumes bit for bit: 2 epochs, save, load,
 * 2 more equals 4 straight (the setup of test/io/resume-model.ts, as test/optim/rmsprop.test.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, OPTIMIZER_CLASSES, type OptimizerConfig, type Sequential } from 'layerwise';
import { tempDir } from '../io/helpers';
import { RESUME_FIT, RESUME_X, RESUME_Y, resumeModel } from '../io/resume-model';

const dir = tempDir('layerwise-resume-all-');
const bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
const stateBytes = (model: Sequential) => model.params().map((p) => (model.optimizer!.getSlots(p) ?? []).map(bytes));

const VARIANTS: [string, OptimizerConfig][] = [
  ['plain', { learningRate: 0.01 }],
  ['clipnorm and weightDecay', { learningRate: 0.01, clipnorm: 0.5, weightDecay: 0.05 }],
  ['globalClipnorm', { learningRate: 0.01, globalClipnorm: 0.3 }],
  ['clipvalue', { learningRate: 0.01, clipvalue: 0.05 }],
];

describe('every optimizer resumes bit for bit after save and load', () => {
  for (const cls of OPTIMIZER_CLASSES.values()) {
    const variants = cls.options.includes('amsgrad') ? [...VARIANTS, ['amsgrad', { learningRate: 0.01, amsgrad: true }] as [string, OptimizerConfig]] : VARIANTS;
    for (const [name, options] of variants) {
      it(`${cls.className}, ${name}`, async () => {
        const straight = resumeModel(new cls(options));
        const all = await straight.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 4 });
        const first = resumeModel(new cls(options));
        await first.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 2 });
        const path = join(dir, `${cls.className}-${name.replace(/ /g, '-')}`);
        await first.save(path);
        const resumed = await loadModel(path);
        expect(resumed.optimizer).toBeInstanceOf(cls);
        expect(resumed.optimizer!.className).toBe(cls.className);
        expect(resumed.optimizer!.getConfig()).toEqual(new cls(options).getConfig());
        expect(resumed.optimizer!.iterations).toBe(6);
        expect(stateBytes(resumed)).toEqual(stateBytes(first));
        const rest = await resumed.fit(RESUME_X, RESUME_Y, { ...RESUME_FIT, epochs: 2 });
        expect(rest.history.loss).toEqual(all.history.loss.slice(2));
        expect(resumed.getWeights().map((t) => bytes(t.data))).toEqual(straight.getWeights().map((t) => bytes(t.data)));
        expect(stateBytes(resumed)).toEqual(stateBytes(straight));
      });
    }
  }
});
