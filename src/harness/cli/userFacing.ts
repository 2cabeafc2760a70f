/**
 * Which errors are the user's input mistakes (one line, exit 2) rather than bugs (stack trace): the CLI's
 * own `UserError` and the library's input errors (import, quantization, model config, planning, report data, signer key,
 * deployment record).
 */
import { UserError } from './errors.ts';
import { ModelError } from '../model/errors.ts';
import { PlanError } from '../model-chain/plan.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { ModelConfigError } from '../model-chain/config.ts';
import { ReportInputError } from '../report/errors.ts';
import { KeyError } from '../deploy/key.ts';
import { RecordError } from '../deploy/record.ts';

const USER_FACING: (new (...a: any[]) => Error)[] = [UserError, ModelError, QuantizationError, ModelConfigError, PlanError, ReportInputError, KeyError, RecordError];

export function isUserFacing(e: unknown): boolean {
  return USER_FACING.some((c) => e instanceof c);
}
