/** A value that cannot be quantized (NaN, ±Inf, out of the format's range) or a bad parameter. */
export class QuantizationError extends Error {
  constructor(
    message: string,
    /** Where the value came from (e.g. `dense_1/kernel[3]`), when known. */
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'QuantizationError';
  }
}
