/**
 * Generates the unrolled Yul of the convolution kernels in contracts/tensor/Conv.sol
 * (docs/numerics.md §3, §4.2, §5), between the markers
 *   // BEGIN GENERATED convQ (scripts/gen-conv.ts)   …   // END GENERATED convQ
 *   // BEGIN GENERATED convI8 (scripts/gen-conv.ts)  …   // END GENERATED convI8
 *
 *   npx tsx scripts/gen-conv.ts          rewrite the blocks in place
 *   npx tsx scripts/gen-conv.ts --check  exit 1 if the committed blocks differ from the generator
 *
 * tests/tensor/Conv.test.ts also checks that the committed blocks equal the generator's output.
 *
 * Generated functions (all inside the kernels' assembly blocks):
 * - `geom(c_, oy, ox)` (both blocks): the valid taps of output pixel (oy, ox), written to the context.
 * - `qrows(xp, xend, kp) -> a0..a3`: q mode, one run of taps for a group of 4 output channels;
 *   input int64 at xp (stride 8), group-panel kernel words at kp (stride 32), Q_UNROLL rows/iteration.
 * - `rows8x<G>(xp, xend, wp, zc) -> b0..b<G−1>` for G = 1, 2, 4: int8 SWAR rows (stride 1 byte in, 32·G
 *   bytes of spread lane words per row: a panel of m ≤ 32 channels has G = ⌈m/8⌉ rounded up to 1, 2 or
 *   4), I8_UNROLL rows per iteration from one input word.
 * - `taps2x<G>(xp, xend, wp, K) -> b0.., c0..` for G = 1, 2: the gathered hot loop for two pixels at
 *   once (taps at xp and xp + K), raw offset-binary multipliers (the caller subtracts zc·ΣP).
 * - `emitFull64(yp, bp, a0..a3)`: decodes a full panel's 32 signed lanes (interleaved layout) top-down
 *   into int64 outputs `acc + bias` in ascending channel order.
 * - `emitWordI8(yp, tp, a, sc, cc)` / `emitWordI8x4(…)`: one lane word requantized to int8 with the
 *   per-channel table `[bias, M′]` at tp and the common shift sc and constant cc (Conv.sol `_tableI8`:
 *   zOut and the rounding half folded into cc), channels at stride 1 (partial panel) or 4 (a full
 *   panel's interleaved word).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Rows per iteration of the q loop. */
export const Q_UNROLL = 4;
/** Rows per iteration of the int8 loop (≤ 32: one input word feeds them all). */
export const I8_UNROLL = 8;

export const CONV_SOL = join(dirname(fileURLToPath(import.meta.url)), '..', 'contracts', 'tensor', 'Conv.sol');

export const BLOCKS = {
  convQ: { begin: '// BEGIN GENERATED convQ (scripts/gen-conv.ts)', end: '// END GENERATED convQ' },
  convI8: { begin: '// BEGIN GENERATED convI8 (scripts/gen-conv.ts)', end: '// END GENERATED convI8' },
} as const;

const off = (base: string, n: number): string => (n === 0 ? base : `add(${base}, ${n})`);

/**
 * `geom`, shared by both kernels: records the valid taps of output pixel (oy, ox) in the context block
 * (Conv.sol `_ctx`: 0x1a0 xrow, 0x1c0 krow, 0x1e0 nky, 0x200 nrun). Equivalent to `Conv.span` on both
 * axes; every window of a valid geometry has ≥ 1 valid tap.
 */
function geom(ind: string): string[] {
  const i2 = ind + '    ';
  return [
    `${ind}// Valid taps of output pixel (oy, ox) (equivalent to Conv.span on both axes): the window starts at`,
    `${ind}// input row st = oy·sh − padTop (signed); taps ky ∈ [k0, k1) land inside [0, H). Likewise columns.`,
    `${ind}// Writes xrow (input element of the first valid tap), krow (its kernel row), nky, nrun = valid kx·Cin.`,
    `${ind}function geom(c_, oy, ox) {`,
    `${i2}let st := sub(mul(oy, mload(add(c_, 0xc0))), mload(add(c_, 0x100)))`,
    `${i2}let k0 := 0`,
    `${i2}if slt(st, 0) { k0 := sub(0, st) }`,
    `${i2}let k1 := mload(add(c_, 0x80))`,
    `${i2}let lim := sub(mload(c_), st)`,
    `${i2}if slt(lim, k1) { k1 := lim }`,
    `${i2}mstore(add(c_, 0x1e0), sub(k1, k0))`,
    `${i2}let iy := add(st, k0)`,
    `${i2}let ky0 := k0`,
    `${i2}st := sub(mul(ox, mload(add(c_, 0xe0))), mload(add(c_, 0x120)))`,
    `${i2}k0 := 0`,
    `${i2}if slt(st, 0) { k0 := sub(0, st) }`,
    `${i2}k1 := mload(add(c_, 0xa0))`,
    `${i2}lim := sub(mload(add(c_, 0x20)), st)`,
    `${i2}if slt(lim, k1) { k1 := lim }`,
    `${i2}let cin := mload(add(c_, 0x40))`,
    `${i2}mstore(add(c_, 0x200), mul(sub(k1, k0), cin))`,
    `${i2}mstore(add(c_, 0x1a0), mul(add(mul(iy, mload(add(c_, 0x20))), add(st, k0)), cin))`,
    `${i2}mstore(add(c_, 0x1c0), mul(add(mul(ky0, mload(add(c_, 0xa0))), k0), cin))`,
    `${ind}}`,
  ];
}

/** One q row: x at xp + 8r, the group word at kp + 32r. */
function qRow(r: number, ind: string): string[] {
  return [
    `${ind}{`,
    `${ind}    let xv := sar(192, mload(${off('xp', 8 * r)}))`,
    `${ind}    let w := mload(${off('kp', 32 * r)})`,
    `${ind}    a0 := add(a0, mul(sar(192, w), xv))`,
    `${ind}    a1 := add(a1, mul(sar(192, shl(64, w)), xv))`,
    `${ind}    a2 := add(a2, mul(sar(192, shl(128, w)), xv))`,
    `${ind}    a3 := add(a3, mul(signextend(7, w), xv))`,
    `${ind}}`,
  ];
}

export function generateConvQ(ind = '            '): string {
  const i2 = ind + '    ';
  const L: string[] = [
    ...geom(ind),
    `${ind}// One run of taps for 4 output channels. Equivalent to, for each row r in the run:`,
    `${ind}//   a_j += int64(x[r]) · int64(k[r][co + j]),  j = 0..3,`,
    `${ind}// the group word at kp holding k[r][co..co+3] as 4 big-endian int64 (extracted sign-extended).`,
    `${ind}// Exact: |product| < 2^126 and fewer than 2^31 terms, so the int256 sums never wrap.`,
    `${ind}function qrows(xp, xend, kp) -> a0, a1, a2, a3 {`,
    `${i2}// ${Q_UNROLL} rows per iteration while at least ${Q_UNROLL} remain (xp + ${8 * Q_UNROLL} <= xend).`,
    `${i2}for {} lt(add(xp, ${8 * Q_UNROLL - 1}), xend) {`,
    `${i2}    xp := add(xp, ${8 * Q_UNROLL})`,
    `${i2}    kp := add(kp, ${32 * Q_UNROLL})`,
    `${i2}} {`,
  ];
  for (let r = 0; r < Q_UNROLL; r++) L.push(...qRow(r, i2 + '    '));
  L.push(`${i2}}`, `${i2}// The remaining rows one at a time.`, `${i2}for {} lt(xp, xend) {`, `${i2}    xp := add(xp, 8)`, `${i2}    kp := add(kp, 32)`, `${i2}} {`);
  L.push(...qRow(0, i2 + '    '));
  L.push(`${i2}}`, `${ind}}`);
  return L.join('\n');
}

/** One int8 row of a G-word panel: multiplier from byte r of xw (or `xv` given), lane words at wp + 32G·r + 32k. */
function i8Row(r: number, xvExpr: string, ind: string, G: number): string[] {
  const L = [`${ind}{`, `${ind}    let xv := ${xvExpr}`];
  for (let k = 0; k < G; k++) L.push(`${ind}    b${k} := add(b${k}, mul(mload(${off('wp', 32 * G * r + 32 * k)}), xv))`);
  L.push(`${ind}}`);
  return L;
}

/** `rows8x<G>`: the hot loop over one run for a panel spread into G lane words per kernel row. */
function rowsFn(G: number, ind: string): string[] {
  const i2 = ind + '    ';
  const bs = Array.from({ length: G }, (_, k) => `b${k}`).join(', ');
  const L: string[] = [
    `${ind}function rows8x${G}(xp, xend, wp, zc) -> ${bs} {`,
    `${i2}// ${I8_UNROLL} rows per iteration while at least ${I8_UNROLL} remain (xp + ${I8_UNROLL} <= xend);`,
    `${i2}// bytes 0..${I8_UNROLL - 1} of xw are the rows' offset-binary inputs.`,
    `${i2}for {} lt(add(xp, ${I8_UNROLL - 1}), xend) {`,
    `${i2}    xp := add(xp, ${I8_UNROLL})`,
    `${i2}    wp := add(wp, ${32 * G * I8_UNROLL})`,
    `${i2}} {`,
    `${i2}    let xw := mload(xp)`,
  ];
  for (let r = 0; r < I8_UNROLL; r++) L.push(...i8Row(r, `sub(byte(${r}, xw), zc)`, i2 + '    ', G));
  L.push(`${i2}}`, `${i2}// The remaining rows one at a time.`, `${i2}for {} lt(xp, xend) {`, `${i2}    xp := add(xp, 1)`, `${i2}    wp := add(wp, ${32 * G})`, `${i2}} {`);
  L.push(...i8Row(0, 'sub(shr(248, mload(xp)), zc)', i2 + '    ', G));
  L.push(`${i2}}`, `${ind}}`);
  return L;
}

/** `taps2x<G>`: two gathered pixels per pass, G ≤ 2 lane words, zc-free multipliers. */
function taps2Fn(G: number, ind: string): string[] {
  const i2 = ind + '    ';
  const outs = [...Array.from({ length: G }, (_, k) => `b${k}`), ...Array.from({ length: G }, (_, k) => `c${k}`)].join(', ');
  const row = (r: number, u: string, v: string, i3: string): string[] => {
    const L = [`${i3}{`];
    for (let k = 0; k < G; k++) {
      L.push(
        `${i3}    let w${k} := mload(${off('wp', 32 * G * r + 32 * k)})`,
        `${i3}    b${k} := add(b${k}, mul(w${k}, ${u}))`,
        `${i3}    c${k} := add(c${k}, mul(w${k}, ${v}))`,
      );
    }
    L.push(`${i3}}`);
    return L;
  };
  const L: string[] = [
    `${ind}function taps2x${G}(xp, xend, wp, K) -> ${outs} {`,
    `${i2}for {} lt(add(xp, ${I8_UNROLL - 1}), xend) {`,
    `${i2}    xp := add(xp, ${I8_UNROLL})`,
    `${i2}    wp := add(wp, ${32 * G * I8_UNROLL})`,
    `${i2}} {`,
    `${i2}    let xw := mload(xp)`,
    `${i2}    let xq := mload(add(xp, K))`,
  ];
  for (let r = 0; r < I8_UNROLL; r++) L.push(...row(r, `byte(${r}, xw)`, `byte(${r}, xq)`, i2 + '    '));
  L.push(`${i2}}`, `${i2}for {} lt(xp, xend) {`, `${i2}    xp := add(xp, 1)`, `${i2}    wp := add(wp, ${32 * G})`, `${i2}} {`);
  L.push(...row(0, 'shr(248, mload(xp))', 'shr(248, mload(add(xp, K)))', i2 + '    '));
  L.push(`${i2}}`, `${ind}}`);
  return L;
}

/** Full-panel accumulator holding channel j at its top lane after ⌊j/4⌋ left shifts: lane i of a_k is channel 31 − 4i − k. */
const accOf = (j: number): string => `a${3 - (j % 4)}`;

/** Top-lane extraction of channel j of a full panel: v = round-to-nearest(a / 2^224), then a <<= 32. */
function topLaneFull(j: number, v: string, ind: string): string[] {
  const a = accOf(j);
  const L = [`${ind}    let ${v} := sar(224, add(${a}, h))`];
  if (j < 28) L.push(`${ind}    ${a} := shl(32, ${a})`);
  return L;
}

/** Top-lane extraction of lane word `a` (see conv2dI8 in Conv.sol): v = round-to-nearest(a / 2^224), then a <<= 32. */
function topLane(t: number, v: string, ind: string): string[] {
  const L = [`${ind}    let ${v} := sar(224, add(a, h))`];
  if (t < 7) L.push(`${ind}    a := shl(32, a)`);
  return L;
}

export function generateConvI8(ind = '            '): string {
  const i2 = ind + '    ';
  const L: string[] = [
    ...geom(ind),
    `${ind}// The hot loop: rows [xp, xend) of one run, for a panel spread into G = 1, 2 or 4 lane words per`,
    `${ind}// kernel row (rows8x<G>, 32·G bytes per row). Equivalent to, for each row r and k = 0..G−1,`,
    `${ind}//   b_k += (x_r − zx)·P_{r,k}  (mod 2^256; see conv2dI8 for why the lanes stay exact),`,
    `${ind}// with x_r + 128 the offset-binary input byte and zc = zx + 128.`,
  ];
  for (const G of [1, 2, 4]) L.push(...rowsFn(G, ind));
  L.push(
    `${ind}// The gathered hot loop for two pixels at once (their taps at xp and xp + K), G ≤ 2 lane words,`,
    `${ind}// multiplier the raw offset-binary byte u = x + 128 (no zx subtraction: every tap of a gathered`,
    `${ind}// pixel is present, so the caller subtracts zc·Σ_r P_{r,k} once). Equivalent to, for each row r:`,
    `${ind}//   b_k += u_r·P_{r,k},  c_k += u'_r·P_{r,k}  (mod 2^256),  u_r, u'_r the two pixels' tap bytes.`,
  );
  for (let G = 1; G <= 2; G++) L.push(...taps2Fn(G, ind));

  L.push(
    `${ind}// A full panel (32 channels, interleaved layout, no intermediate flush) straight to int64 outputs,`,
    `${ind}// in ascending channel order. Equivalent to, for j = 0..31: y[j] = L_j + bias[j] as big-endian int64`,
    `${ind}// at yp + 8j, where L_j is the top lane of a_{3 − j mod 4} after ⌊j/4⌋ 32-bit left shifts (see conv2dI8).`,
    `${ind}// Each whole-word mstore zeroes the 24 bytes after its element; they belong to later elements`,
    `${ind}// (written afterwards, outputs are produced in ascending order) or to allocQ's spare word.`,
    `${ind}function emitFull64(yp, bp, a0, a1, a2, a3) {`,
    `${i2}let h := LANE_TOP_HALF // a local: the optimizer would rebuild the constant at every use`,
  );
  for (let j = 0; j < 32; j++) {
    L.push(`${i2}{`, ...topLaneFull(j, 'v', i2));
    L.push(`${i2}    mstore(${off('yp', 8 * j)}, shl(192, add(v, signextend(3, mload(${off('bp', 32 * j)})))))`, `${i2}}`);
  }
  L.push(`${ind}}`);

  for (const S of [1, 4]) {
    L.push(
      `${ind}// One lane word to requantized int8 outputs ${S === 1 ? '8 consecutive channels (a partial panel word)' : 'channels j0, j0 + 4, …, j0 + 28 (a full panel word)'}.`,
      `${ind}// Equivalent to, for t = 0..7, with L_t the top lane of a after t 32-bit left shifts:`,
      `${ind}//   y[${S}t] = Int8Math.requantizeUnchecked(L_t + bias[${S}t], M[${S}t], shift[${S}t], zOut)`,
      `${ind}// in the branch-free form of _tableI8 (table tp = [bias, M′] per channel, 64 bytes; common shift sc`,
      `${ind}// and constant cc): p = (L + bias)·M′, r = sar(sc, p + cc − [p < 0]), then sat8 (one test: r fits`,
      `${ind}// int8 iff signextend(0, r) = r; else 127 for r > 0, −128 = 127 ⊕ −1 for r < 0).`,
      `${ind}function emitWordI8${S === 1 ? '' : 'x4'}(yp, tp, a, sc, cc) {`,
      `${i2}let h := LANE_TOP_HALF`,
    );
    for (let t = 0; t < 8; t++) {
      L.push(`${i2}{`, ...topLane(t, 'r', i2));
      L.push(
        `${i2}    r := mul(add(r, mload(${off('tp', 64 * S * t)})), mload(${off('tp', 64 * S * t + 32)}))`,
        `${i2}    r := sar(sc, add(r, sub(cc, slt(r, 0))))`,
        `${i2}    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }`,
        `${i2}    mstore8(${off('yp', S * t)}, r)`,
        `${i2}}`,
      );
    }
    if (S === 1) L.push(`${ind}}`);
  }
  L.push(`${ind}}`);
  return L.join('\n');
}

/** Replace the block between the markers `name` of `source` with `body`. */
export function applyBlock(source: string, name: keyof typeof BLOCKS, body: string): string {
  const { begin, end } = BLOCKS[name];
  const b = source.indexOf(begin);
  const e = source.indexOf(end);
  if (b < 0 || e < b) throw new Error(`markers of block ${name} not found in Conv.sol`);
  const lineStart = source.lastIndexOf('\n', e) + 1;
  return source.slice(0, b + begin.length) + '\n' + body + '\n' + source.slice(lineStart);
}

/** The committed text of a block (between the marker lines). */
export function committedBlock(source: string, name: keyof typeof BLOCKS): string {
  const { begin, end } = BLOCKS[name];
  const b = source.indexOf(begin);
  const e = source.indexOf(end);
  if (b < 0 || e < b) throw new Error(`markers of block ${name} not found in Conv.sol`);
  return source.slice(b + begin.length + 1, source.lastIndexOf('\n', e));
}

export function generateAll(source: string): string {
  return applyBlock(applyBlock(source, 'convQ', generateConvQ()), 'convI8', generateConvI8());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const source = readFileSync(CONV_SOL, 'utf8');
  const next = generateAll(source);
  if (process.argv.includes('--check')) {
    if (next !== source) {
      console.error('contracts/tensor/Conv.sol: generated blocks are stale — run `npx tsx scripts/gen-conv.ts`');
      process.exit(1);
    }
    console.log('contracts/tensor/Conv.sol: generated blocks are up to date');
  } else {
    writeFileSync(CONV_SOL, next);
    console.log(`contracts/tensor/Conv.sol: generated blocks written (q ×${Q_UNROLL}, int8 ×${I8_UNROLL})`);
  }
}
