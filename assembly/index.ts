// The nnchain oracle: the WebAssembly twin of contracts/tensor and contracts/layers.
// Built with `npm run build:wasm` (asconfig.json, stub runtime) and loaded by src/harness/oracle.ts.
//
// Memory protocol: the host calls `reset()`, then `alloc(n)` for each input/output buffer, writes
// inputs straight into WASM memory through typed-array views (no per-element copies), calls a kernel
// with the pointers, and reads outputs through views. Kernels never allocate on the happy path.

export function alloc(size: usize): usize {
  return heap.alloc(size);
}
export function reset(): void {
  heap.reset();
}

export { saturationCount, resetSaturationCount } from "./tensor/Rounding";
export * from "./tensor/exports";
export * from "./layers/exports";
