/**
 * Two Ajv instances: request bodies are validated strictly (no type coercion, unknown fields
 * rejected rather than silently dropped), while query strings and path params coerce, since
 * everything in a URL arrives as a string.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const make = (coerce: boolean) => {
  const ajv = new Ajv.default({ allErrors: false, coerceTypes: coerce ? 'array' : false, removeAdditional: false, useDefaults: true, strict: false });
  addFormats.default(ajv);
  return ajv;
};

const strict = make(false);
const coercing = make(true);

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema);
