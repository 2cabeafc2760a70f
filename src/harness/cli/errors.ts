/**
 * Shared pieces of the `nnchain` commands: `UserError` (a user mistake: printed as one line, exit code 2,
 * no stack trace) and argument parsers for commander.
 */
import { InvalidArgumentError } from 'commander';

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** commander parser of an integer option in [min, max]. */
export function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
}

/** commander parser of a finite number option in [min, max]. */
export function numArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}]`);
    return n;
  };
}
