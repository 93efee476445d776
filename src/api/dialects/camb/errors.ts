/**
 * CAMB.AI is a FastAPI service: validation failures are 422 `{detail:[{loc, msg, type}]}` with
 * pydantic's error types, every other error is `{detail: "message"}` (HTTPException).
 */
import type { ClassifiedError } from '../../errors.js';
import type { RenderedError } from '../shared/plugin.js';

export interface ValidationItem {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** fields.ts reasons → pydantic v2 error type and message */
const PYDANTIC: Record<string, { type: string; msg?: string }> = {
  missing: { type: 'missing', msg: 'Field required' },
  string: { type: 'string_type', msg: 'Input should be a valid string' },
  int: { type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer' },
  number: { type: 'float_parsing', msg: 'Input should be a valid number' },
  bool: { type: 'bool_parsing', msg: 'Input should be a valid boolean' },
  object: { type: 'model_attributes_type', msg: 'Input should be a valid dictionary or object to extract fields from' },
  array: { type: 'list_type', msg: 'Input should be a valid list' },
  value: { type: 'value_error' },
  extra: { type: 'extra_forbidden', msg: 'Extra inputs are not permitted' },
};

/** The engines name their input fields; CAMB.AI clients know them by the vendor's names. */
const INPUT_FIELD: Record<string, string> = { voice: 'voice_id', description: 'voice_description', format: 'output_configuration.format' };

const path = (field: string) => field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

export function validationItem(e: ClassifiedError): ValidationItem {
  const d = e.details ?? {};
  const where = typeof d.in === 'string' ? d.in : 'body';
  const raw = typeof d.field === 'string' ? d.field : null;
  const field = raw === null ? null : e.code === 'INVALID_INPUT' ? (INPUT_FIELD[raw] ?? raw) : raw;
  const p = PYDANTIC[typeof d.reason === 'string' ? d.reason : 'value'] ?? PYDANTIC.value!;
  if (e.code === 'INVALID_JSON') return { loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' };
  if (typeof d.header === 'string') return { loc: ['header', d.header], msg: e.message, type: 'value_error' };
  return { loc: [where, ...(field ? path(field) : [])], msg: p.msg ?? e.message, type: p.type };
}

const VALIDATION = new Set(['INVALID_REQUEST', 'INVALID_INPUT', 'INVALID_JSON', 'UNKNOWN_MODEL']);

/** Validation and "nothing serves this" (UNKNOWN_MODEL) are 422 lists; every other error is `{detail}`. */
export function errorBody(e: ClassifiedError): RenderedError {
  if (VALIDATION.has(e.code)) return { status: 422, body: { detail: [validationItem(e)] } };
  return { status: e.status, body: { detail: e.message } };
}
