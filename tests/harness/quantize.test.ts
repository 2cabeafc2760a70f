import { describe, expect, it } from 'vitest';
import {
  QuantizationError,
  activationParams,
  fromQ,
  quantizeMultiplier,
  quantizeValue,
  quantizeWeightsPerChannel,
  toQ,
} from '../../src/harness/quantize/index.ts';

describe('toQ (numerics §3, RHAZ)', () => {
  const cases: { name: string; x: number; F: number; expected: bigint }[] = [
    { name: 'one', x: 1, F: 32, expected: 1n << 32n },
    { name: 'minus one and a half', x: -1.5, F: 32, expected: -(3n << 31n) },
    { name: 'half LSB rounds away (positive)', x: 2 ** -33, F: 32, expected: 1n },
    { name: 'half LSB rounds away (negative)', x: -(2 ** -33), F: 32, expected: -1n },
    { name: 'below half LSB rounds to 0', x: 2 ** -34, F: 32, expected: 0n },
    { name: 'three halves LSB', x: 3 * 2 ** -33, F: 32, expected: 2n },
    { name: 'F = 0 rounds 2.5 to 3', x: 2.5, F: 0, expected: 3n },
    { name: 'F = 0 rounds -2.5 to -3', x: -2.5, F: 0, expected: -3n },
  ];
  for (const c of cases) it(c.name, () => expect(toQ(c.x, c.F)).toBe(c.expected));

  it('refuses NaN, Inf and out-of-range values with the element named', () => {
    expect(() => toQ(Number.NaN, 32, 'w[3]')).toThrow(/w\[3\].*not finite/);
    expect(() => toQ(Infinity)).toThrow(QuantizationError);
    expect(() => toQ(2 ** 31)).toThrow(/does not fit Q31\.32/);
    expect(toQ(-(2 ** 31))).toBe(-(1n << 63n));
  });

  it('round-trips representable values', () => {
    for (const x of [0, 1, -1, 0.25, -123.5, 2 ** 30, -(2 ** -32)]) expect(fromQ(toQ(x))).toBe(x);
  });
});

describe('int8 quantization (numerics §4)', () => {
  it('activation params include 0 and map the range ends to -128 and 127', () => {
    const p = activationParams(-1, 3);
    expect(p.scale).toBeCloseTo(4 / 255, 12);
    expect(quantizeValue(-1, p)).toBe(-128);
    expect(quantizeValue(3, p)).toBe(127);
    expect(quantizeValue(0, p)).toBe(p.zeroPoint);
    const relu = activationParams(0.5, 6); // extended to [0, 6]
    expect(relu.zeroPoint).toBe(-128);
  });

  it('per-channel weights use max|w|/127 per output column', () => {
    // K = 2, N = 2: column 0 = [1, -0.5] (-63.5 rounds away to -64), column 1 = [0.1, 0.4] (31.75 → 32)
    const { values, scales } = quantizeWeightsPerChannel([1, 0.1, -0.5, 0.4], 2, 2);
    expect(Array.from(scales)).toEqual([1 / 127, 0.4 / 127]);
    expect(Array.from(values)).toEqual([127, 32, -64, 127]);
    expect(() => quantizeWeightsPerChannel([1, Number.NaN, 0, 0], 2, 2, 'dense/kernel')).toThrow(/dense\/kernel.*index 1/);
  });

  it('quantizeMultiplier carries 31 significant bits', () => {
    for (const m of [1, 0.5, 0.75, 1e-3, 3.3e-5, 123.456, 2 ** -40, 0.999999999]) {
      const { M, shift } = quantizeMultiplier(m);
      expect(M).toBeGreaterThanOrEqual(2 ** 30);
      expect(M).toBeLessThan(2 ** 31);
      expect(Math.abs(M / 2 ** shift - m) / m).toBeLessThanOrEqual(2 ** -31);
    }
    expect(quantizeMultiplier(0)).toEqual({ M: 0, shift: 0 });
    expect(() => quantizeMultiplier(2 ** 31)).toThrow(QuantizationError);
  });
});
