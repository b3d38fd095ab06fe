/**
 * Validates snapshot manifests against ./manifest.schema.json (the documented shape), for tests that hold
 * real manifests: the golden repository's, and those real backups write.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import schema from './manifest.schema.json';

const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Throws with every violation when `manifest` does not match the schema. */
export function expectValidManifest(manifest: unknown): void {
  if (validate(manifest)) return;
  throw new Error(`the manifest does not match manifest.schema.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}
