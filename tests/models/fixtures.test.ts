/**
 * The full life cycle of real models on the embedded chain (ethereum profile), for every solearn fixture:
 * import → quantize (int8) → deploy the layer contracts and the model → set the config → upload the
 * weights, interrupted after the first segment and resumed (same weights root as computed off chain, no
 * segment deployed twice) → seal → mint in the ERC-721 collection (token URI carries the weights root)
 * → `classify` in one transaction when it fits the 16,777,216 cap, and a multi-transaction session
 * (forced by a smaller cap when the model fits one) — every result bit-exact with the oracle.
 * Prints gas per stored parameter, gas per inference and the transaction counts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexlify, toUtf8String, getBytes } from 'ethers';
import { compileFor, getArtifact, type Artifact } from '../../src/harness/compile.ts';
import { syntheticInputs } from '../../src/harness/data/synthetic.ts';
import { importModel } from '../../src/harness/import/index.ts';
import {
  buildModel,
  deployLayers,
  executePlan,
  layerAddresses,
  layerKinds,
  modelArtifact,
  oracleInfer,
  planInference,
  profileModel,
  quantizedModelSpec,
} from '../../src/harness/model-chain/index.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { encodeModelInput, quantizeModel } from '../../src/harness/quantize/index.ts';
import { executeUpload, segmentInitcode, simulatorBackend, blobWeightsRoot } from '../../src/harness/storage/index.ts';
import { createChain, maxTxGas, type Chain } from '../../src/simulator/index.ts';
import { eventArg } from './helpers.ts';
import { haveSolearn, SOLEARN_FIXTURES, SOLEARN_GAS, solearnFile } from '../helpers/solearn.ts';

const have = haveSolearn('model life cycle on solearn fixtures');
const SEQUENCE = 16; // token models: a fixed sequence length

let chain: Chain;
let oracle: Oracle;
let model: Artifact;
let collection: Artifact;
let col: string;

beforeAll(async () => {
  if (!have) return;
  chain = await createChain({ profile: 'ethereum' });
  oracle = await loadOracle();
  model = modelArtifact();
  collection = getArtifact('ModelCollection', compileFor(['contracts/collection/ModelCollection.sol']));
  col = (await chain.deploy(collection, ['nnchain models', 'NNM', 1000n])).address;
});

describe.skipIf(!have).each(SOLEARN_FIXTURES)('life cycle: %s', (file) => {
  it('deploy, interrupted + resumed upload, seal, mint, classify / session == oracle', async () => {
    let ir = await importModel(solearnFile(file));
    if (ir.inputShape.includes(-1)) ir = await importModel(solearnFile(file), { sequenceLength: SEQUENCE });
    const inputs = syntheticInputs(ir, 33, 7);
    const qm = quantizeModel(ir, { mode: 'int8', samples: inputs.slice(0, 32) });
    const spec = quantizedModelSpec(qm);
    const layers = await deployLayers(chain, layerKinds(qm));
    const built = buildModel(spec, layerAddresses(layers));
    const from = 0;
    const sender = chain.accounts[0]!.address;
    const gas: bigint[] = [];
    const nonce0 = await chain.getNonce(sender);
    const m = await chain.deploy(model, [sender], { from });
    gas.push(m.gasUsed);
    const seg = await chain.deployCode(segmentInitcode(built.blob), { from });
    gas.push(seg.gasUsed);
    const sc = await chain.send(m.address, model.abi, 'setConfig', [seg.address, built.configHash], { from });
    expect(sc.status).toBe(1);
    gas.push(sc.gasUsed);

    // Upload in small segments (so even the small fixtures have several), interrupted after the first.
    const maxData = Math.max(512, Math.ceil(built.weights.length / 4));
    const backend = simulatorBackend(chain, { from });
    const journal = new Map<string, string>();
    let stopped = false;
    await expect(
      executeUpload(backend, m.address, built.weights, {
        maxData,
        journal,
        onProgress: (e) => {
          if (e.kind === 'registered' && !stopped) {
            stopped = true;
            throw new Error('simulated crash');
          }
        },
      }),
    ).rejects.toThrow('simulated crash');
    const first = await (async () => (await chain.call<boolean[]>(m.address, model.abi, 'segmentsPresent', [])).value)();
    expect(first.filter(Boolean).length).toBe(1);
    const up = await executeUpload(backend, m.address, built.weights, { maxData, journal });
    expect(up.alreadyPresent).toEqual([0]);
    expect(up.deployed).not.toContain(0);
    expect(up.weightsRoot).toBe(blobWeightsRoot(built.configHash, built.weights, maxData));
    gas.push(up.gas.total);

    expect((await chain.send(m.address, model.abi, 'approveCollection', [col], { from })).status).toBe(1);
    const sealed = await chain.send(m.address, model.abi, 'seal', [], { from });
    expect(sealed.status).toBe(1);
    gas.push(sealed.gasUsed);
    const mint = await chain.send(col, collection.abi, 'mint', [m.address, ir.name, `solearn fixture ${file}`], { from });
    expect(mint.status).toBe(1);
    const tokenId = eventArg<bigint>(mint, 'ModelMinted', 'tokenId');
    const uri = (await chain.call<string>(col, collection.abi, 'tokenURI', [tokenId])).value;
    const meta = JSON.parse(toUtf8String(getBytes(`0x${Buffer.from(uri.split(',')[1]!, 'base64').toString('hex')}`)));
    expect(JSON.stringify(meta)).toContain(up.weightsRoot.slice(2));

    // Inference: one transaction when it fits the cap, else a session; and a forced session.
    const x = encodeModelInput(qm, inputs[32]!);
    const expected = oracleInfer(oracle, spec, x);
    const profile = await profileModel(chain, m.address, x, { probeAbove: maxTxGas(chain.profile) / 8n });
    expect(hexlify(profile.tensors[profile.tensors.length - 1]!)).toBe(hexlify(expected));
    const plan = planInference(profile, { cap: maxTxGas(chain.profile) });
    const res = await executePlan(chain, m.address, x, { profile, plan });
    expect(hexlify(res.output)).toBe(hexlify(expected));
    const deployGas = gas.reduce((a, b) => a + b, 0n) + Object.values(layers).reduce((a, l) => a + l.gasUsed, 0n);
    const modelGas = gas.reduce((a, b) => a + b, 0n);
    // Transactions of the whole deployment (both upload runs; the interrupted one's are not repeated).
    const deployTxs = Number((await chain.getNonce(sender)) - nonce0) - 1; // minus the mint
    const layerGas = profile.nodes.reduce((a, p) => a + p.gas, 0n);
    const lines = [
      `${file}: ${ir.params} params, ${ir.macs} MACs, ${qm.layers.length} on-chain nodes (${layerKinds(qm).join(', ')})`,
      `  deploy (model + config + weights, layer contracts excluded): ${deployTxs} txs (incl. approve), ${modelGas} gas = ${(Number(modelGas) / ir.params).toFixed(1)} gas/param; with ${Object.keys(layers).length} shared layer contracts ${deployGas}`,
      `  weights: ${built.weights.length} bytes in ${up.segmentCount} segments of ≤ ${maxData} B: upload (declare + deploy + register) ${up.gas.total} gas = ${(Number(up.gas.total) / ir.params).toFixed(1)} gas/param`,
      `  per node: ${profile.nodes.map((p, i) => `${qm.layers[i]!.type} ${p.gas}`).join(', ')}`,
      `  inference: ${res.txs.length} tx (${plan.single ? 'classify' : 'session'}), ${res.totalGas} gas, layers ${layerGas} gas = ${(Number(layerGas) / ir.macs).toFixed(2)} gas/MAC` +
        (SOLEARN_GAS[file] ? `; original design ${SOLEARN_GAS[file]!.toLocaleString('en-US')} (${(SOLEARN_GAS[file]! / Number(res.totalGas)).toFixed(0)}× less)` : ''),
    ];
    // Force a session when the model fits one transaction: a cap of about 60% of the inference gas, but
    // room for the largest node (a recurrent layer is not split: its units are time steps with state).
    const largest = profile.nodes.reduce((a, p) => (p.gas > a ? p.gas : a), 0n);
    const cap = [(res.totalGas * 6n) / 10n, ((profile.overhead + largest + 200_000n) * 13n) / 10n].reduce((a, b) => (a > b ? a : b));
    if (plan.single && cap < res.totalGas) {
      const forced = await executePlan(chain, m.address, x, { profile, cap });
      expect(hexlify(forced.output)).toBe(hexlify(expected));
      for (const t of forced.txs) expect(t.gasUsed).toBeLessThanOrEqual(cap);
      lines.push(`  forced session under a ${cap}-gas cap: ${forced.txs.length} txs, ${forced.totalGas} gas`);
    }
    console.log(lines.join('\n'));
  });
});
