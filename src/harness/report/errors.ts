/** Errors of the report library that are the caller's input mistakes (bad data file, wrong input size…). */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}
