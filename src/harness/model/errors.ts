/**
 * Errors raised while importing, checking or shaping a model.
 *
 * Every message is one line of the form
 *   `<file>: layer 'name' (Class): what is wrong`
 * (the layer part is left out when the problem is not about one layer), so a CLI can print it as is.
 */

export interface ModelErrorContext {
  /** The model file (as given to the importer). */
  file?: string;
  /** Layer name, when the problem is about one layer. */
  layer?: string;
  /** Keras class name of that layer (e.g. `Conv2D`). */
  className?: string;
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function prefix(ctx: ModelErrorContext): string {
  const parts: string[] = [];
  if (ctx.file) parts.push(`${ctx.file}:`);
  if (ctx.layer !== undefined) parts.push(`layer '${ctx.layer}'${ctx.className ? ` (${ctx.className})` : ''}:`);
  else if (ctx.className) parts.push(`${ctx.className}:`);
  return parts.join(' ');
}

/** Base class of all model errors. */
export class ModelError extends Error {
  readonly file?: string;
  readonly layer?: string;
  readonly className?: string;
  /** The message without the file/layer prefix. */
  readonly detail: string;
  constructor(detail: string, ctx: ModelErrorContext = {}) {
    const p = prefix(ctx);
    super(oneLine(p ? `${p} ${detail}` : detail));
    this.name = 'ModelError';
    this.detail = oneLine(detail);
    this.file = ctx.file;
    this.layer = ctx.layer;
    this.className = ctx.className;
  }
}

/** The file is not what it claims to be: malformed JSON/HDF5, missing fields, truncated weight files. */
export class ModelFormatError extends ModelError {
  constructor(detail: string, ctx: ModelErrorContext = {}) {
    super(detail, ctx);
    this.name = 'ModelFormatError';
  }
}

/** Something valid in Keras/tfjs that this project does not implement (an activation, a dtype, a feature). */
export class UnsupportedError extends ModelError {
  constructor(detail: string, ctx: ModelErrorContext = {}) {
    super(detail, ctx);
    this.name = 'UnsupportedError';
  }
}

/** An unknown layer class, or an option (or option value) of a known layer that is not supported. */
export class UnsupportedLayerError extends UnsupportedError {
  /** The offending option (Keras spelling), when the class itself is known. */
  readonly option?: string;
  constructor(detail: string, ctx: ModelErrorContext & { option?: string } = {}) {
    super(detail, ctx);
    this.name = 'UnsupportedLayerError';
    this.option = ctx.option;
  }
}

/** Shapes that do not fit (a 'valid' window larger than its input, mismatched Add inputs, a dynamic dim where a static one is needed). */
export class ShapeError extends ModelError {
  constructor(detail: string, ctx: ModelErrorContext = {}) {
    super(detail, ctx);
    this.name = 'ShapeError';
  }
}

/** A weight that is missing, unexpected, of the wrong shape or not finite. */
export class WeightError extends ModelError {
  /** Keras weight name (`kernel`, `bias`, …), when known. */
  readonly weight?: string;
  /** Flat index of the offending element (NaN/Inf), when known. */
  readonly index?: number;
  constructor(detail: string, ctx: ModelErrorContext & { weight?: string; index?: number } = {}) {
    super(detail, ctx);
    this.name = 'WeightError';
    this.weight = ctx.weight;
    this.index = ctx.index;
  }
}
