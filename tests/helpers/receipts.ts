/** Assertions on transaction receipts of the embedded chain, shared by the contract tests. */
import { expect } from 'vitest';
import type { Receipt } from '../../src/simulator/index.ts';

/** The transaction reverted with the custom error `name` (and, when given, exactly these arguments). */
export function expectRevert(r: Receipt, name: string, args?: unknown[]): void {
  expect(r.status, `expected revert ${name}`).toBe(0);
  expect(r.revert?.name).toBe(name);
  if (args) expect(r.revert?.args).toEqual(args);
}
