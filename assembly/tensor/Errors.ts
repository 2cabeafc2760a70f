// The failure conditions of docs/numerics.md §2, twin of contracts/tensor/Errors.sol.
// The oracle aborts with a message whose first word is the Solidity error name; the JS loader
// (src/harness/oracle.ts) turns it into an OracleError with that name and the arguments.

export function throwDivisionByZero(): void {
  throw new Error("DivisionByZero");
}
export function throwLogOfNonPositive(x: i64): void {
  throw new Error("LogOfNonPositive " + x.toString());
}
export function throwSqrtOfNegative(x: i64): void {
  throw new Error("SqrtOfNegative " + x.toString());
}
export function throwValueOutOfRange(v: i64): void {
  throw new Error("ValueOutOfRange " + v.toString());
}
export function throwInvalidRequantization(multiplier: i64, shift: i64): void {
  throw new Error("InvalidRequantization " + multiplier.toString() + " " + shift.toString());
}
export function throwShapeMismatch(expected: i64, actual: i64): void {
  throw new Error("ShapeMismatch " + expected.toString() + " " + actual.toString());
}
export function throwInvalidShape(code: i64): void {
  throw new Error("InvalidShape " + code.toString());
}
