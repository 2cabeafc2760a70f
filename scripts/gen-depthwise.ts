/**
 * Generates the unrolled Yul of the int8 depthwise kernel in contracts/tensor/DepthwiseConv.sol
 * (docs/numerics.md §4.1, §4.3), between the markers
 *   // BEGIN GENERATED dwEmit (scripts/gen-depthwise.ts)   …   // END GENERATED dwEmit
 *
 *   npx tsx scripts/gen-depthwise.ts          rewrite the block in place
 *   npx tsx scripts/gen-depthwise.ts --check  exit 1 if the committed block differs from the generator
 *
 * tests/tensor/DepthwiseConv.test.ts also checks that the committed block equals the generator's output.
 *
 * Generated functions (inside `_runI8`'s assembly block):
 * - `taps1/taps2/taps4(p, tb, te) -> a0..`: step 2 for 1, 2 or 4 lane blocks (8, 16, 32 output columns):
 *   `a_b += (mload(p + d + 32b) & LANE_LOW_BYTE)·w` over the tap entries `[d, w]` in `[tb, te)`, TAP_UNROLL
 *   taps per iteration, then one at a time.
 * - `emitFull8(a, yp, step, corr, m, s, rcz) -> ypOut`: decodes the 8 signed 32-bit lanes of a lane word
 *   top-down (lane i = output column 8b + i) and requantizes each: `v = (L_i + corr)·m`,
 *   `y = sat8(sar(s, v + rcz − [v < 0]))` with `s ≥ 1`, `rcz = 2^(s−1) + z·2^s` — Rounding.rshiftRound plus
 *   the zero point — stored
 *   at `yp + i·step`. Straight-line code: the loop version costs ~2× per lane in the legacy code generator.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEPTHWISE_SOL = join(dirname(fileURLToPath(import.meta.url)), '..', 'contracts', 'tensor', 'DepthwiseConv.sol');

export const DW_BLOCK = { begin: '// BEGIN GENERATED dwEmit (scripts/gen-depthwise.ts)', end: '// END GENERATED dwEmit' } as const;

/** Lanes per lane word (8 × 32 bits). */
export const LANES = 8;
/** Taps per iteration of the tap loops (3: one kernel row of the common 3×3 window). */
export const TAP_UNROLL = 3;

function tapsFn(blocks: number, ind: string): string[] {
  const i2 = ind + '    ';
  const i3 = i2 + '    ';
  const outs = Array.from({ length: blocks }, (_, b) => `a${b}`);
  const body = (entry: number): string[] => {
    const e = entry === 0 ? 'tb' : `add(tb, ${entry * 64})`;
    const L = [`${i3}{`, `${i3}    let q := add(p, mload(${e}))`, `${i3}    let w := mload(add(tb, ${entry * 64 + 32}))`];
    for (let b = 0; b < blocks; b++) {
      L.push(`${i3}    a${b} := add(a${b}, mul(and(mload(${b === 0 ? 'q' : `add(q, ${b * 32})`}), LANE_LOW_BYTE), w))`);
    }
    L.push(`${i3}}`);
    return L;
  };
  const L = [`${ind}function taps${blocks}(p, tb, te) -> ${outs.join(', ')} {`];
  L.push(`${i2}for {} lt(add(tb, ${(TAP_UNROLL - 1) * 64}), te) { tb := add(tb, ${TAP_UNROLL * 64}) } {`);
  for (let k = 0; k < TAP_UNROLL; k++) L.push(...body(k));
  L.push(`${i2}}`);
  L.push(`${i2}for {} lt(tb, te) { tb := add(tb, 64) } {`);
  L.push(...body(0));
  L.push(`${i2}}`);
  L.push(`${ind}}`);
  return L;
}

export function generateDwEmit(ind = '            '): string {
  const i2 = ind + '    ';
  const i3 = i2 + '    ';
  const L: string[] = [
    `${ind}// Step 2 for 1, 2 or 4 blocks of 8 output columns sharing each weight: a_b = Σ_taps U_b·w over the`,
    `${ind}// tap entries [d, w] in [tb, te), U_b the masked lane word at p + d + 32b (mod 2^256, exact: see`,
    `${ind}// depthwiseConv2dI8). ${TAP_UNROLL} taps per iteration, then one at a time.`,
    ...tapsFn(1, ind),
    ...tapsFn(2, ind),
    ...tapsFn(4, ind),
    `${ind}// A full lane word (8 output columns) requantized to int8 at yp, yp + step, …; returns the next yp.`,
    `${ind}// Equivalent to, for i = 0..7: mstore8(yp + i·step, Int8Math.requantizeUnchecked(L_i + corr, m, s, z))`,
    `${ind}// with L_i = sar(224, A + 2^223) after i left shifts by 32 (exact, see depthwiseConv2dI8), s ≥ 1 and`,
    `${ind}// rcz = 2^(s−1) + z·2^s (a zero shift is passed as (2m, 1), the same value): sar(s, v + rcz − [v < 0])`,
    `${ind}// = rshiftRound(v, s) + z. |L_i + corr| < 2^48 and m < 2^32: the product is exact; the one comparison`,
    `${ind}// tests v ∉ [−128, 127] and saturates.`,
    `${ind}function emitFull8(a, yp, step, corr, m, s, rcz) -> ypOut {`,
  ];
  for (let i = 0; i < LANES; i++) {
    L.push(`${i2}{`);
    L.push(`${i3}let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)`);
    if (i < LANES - 1) L.push(`${i3}a := shl(32, a)`);
    L.push(`${i3}v := sar(s, add(v, sub(rcz, slt(v, 0))))`);
    L.push(`${i3}if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }`);
    L.push(`${i3}mstore8(yp, v)`);
    L.push(`${i3}yp := add(yp, step)`);
    L.push(`${i2}}`);
  }
  L.push(`${i2}ypOut := yp`);
  L.push(`${ind}}`);
  return L.join('\n');
}

/** Replace the block between the markers of `source` with `body`. */
export function applyDwBlock(source: string, body: string): string {
  const b = source.indexOf(DW_BLOCK.begin);
  const e = source.indexOf(DW_BLOCK.end);
  if (b < 0 || e < b) throw new Error('markers of block dwEmit not found in DepthwiseConv.sol');
  const lineStart = source.lastIndexOf('\n', e) + 1;
  return source.slice(0, b + DW_BLOCK.begin.length) + '\n' + body + '\n' + source.slice(lineStart);
}

/** The committed text of the block (between the marker lines). */
export function committedDwBlock(source: string): string {
  const b = source.indexOf(DW_BLOCK.begin);
  const e = source.indexOf(DW_BLOCK.end);
  if (b < 0 || e < b) throw new Error('markers of block dwEmit not found in DepthwiseConv.sol');
  return source.slice(b + DW_BLOCK.begin.length + 1, source.lastIndexOf('\n', e));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const source = readFileSync(DEPTHWISE_SOL, 'utf8');
  const next = applyDwBlock(source, generateDwEmit());
  if (process.argv.includes('--check')) {
    if (next !== source) {
      console.error('contracts/tensor/DepthwiseConv.sol: generated block is stale — run `npx tsx scripts/gen-depthwise.ts`');
      process.exit(1);
    }
    console.log('contracts/tensor/DepthwiseConv.sol: generated block is up to date');
  } else {
    writeFileSync(DEPTHWISE_SOL, next);
    console.log('contracts/tensor/DepthwiseConv.sol: generated block written');
  }
}
