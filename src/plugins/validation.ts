import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const base: Options = {
  allErrors: true, // report every field at fault, not the first
  removeAdditional: false, // unknown fields are refused by `additionalProperties: false`, never dropped
  useDefaults: true,
  addUsedSchema: false, // schemas with an $id are embedded in several routes
};

function makeAjv(options: Options) {
  const ajv = new Ajv({ ...base, ...options });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Bodies are JSON and keep their types: `"titleZh": 123` or `"capacity": true` is a 400,
 * and `null` stays null. Query strings and path parameters arrive as text, so they are
 * coerced (`limit=20` → 20, a lone `audience=x` → ["x"] where an array is expected).
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
