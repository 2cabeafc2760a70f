/** ABI helpers: cached ethers Interfaces and log decoding. */
import { Interface, type InterfaceAbi } from 'ethers';
import { plain } from './errors.ts';

/** An ABI as compiled (JSON array), human-readable fragments, or an ethers Interface. */
export type AbiLike = readonly unknown[] | Interface;

const cache = new WeakMap<object, Interface>();

/** The ethers Interface of an ABI; memoised per ABI array object (pure, no chain state). */
export function toInterface(abi: AbiLike): Interface {
  if (abi instanceof Interface) return abi;
  let iface = cache.get(abi);
  if (!iface) {
    iface = Interface.from(abi as InterfaceAbi);
    cache.set(abi, iface);
  }
  return iface;
}

export interface DecodedLog {
  /** Checksummed address of the emitting contract. */
  address: string;
  topics: string[];
  data: string;
  /** Event name when an ABI known to the chain matched. */
  name?: string;
  /** Decoded arguments: by parameter name when all are named, else positional. */
  args?: Record<string, unknown> | unknown[];
}

/** Try each interface in order; returns the log unchanged (no name/args) when none matches. */
export function decodeLog(log: DecodedLog, ifaces: Iterable<Interface>): DecodedLog {
  if (log.topics.length === 0) return log;
  for (const iface of ifaces) {
    let parsed;
    try {
      parsed = iface.parseLog({ topics: log.topics, data: log.data });
    } catch {
      parsed = null;
    }
    if (!parsed) continue;
    const inputs = parsed.fragment.inputs;
    const values = inputs.map((_, i) => plain(parsed.args[i]));
    let args: Record<string, unknown> | unknown[] = values;
    if (inputs.length > 0 && inputs.every((p) => p.name !== '')) {
      args = Object.fromEntries(inputs.map((p, i) => [p.name, values[i]]));
    }
    return { ...log, name: parsed.name, args };
  }
  return log;
}
