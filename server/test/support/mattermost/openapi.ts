/**
 * Mattermost's official OpenAPI description (../shared/mattermost-api/*.yaml), assembled and compiled into
 * checks the test server applies to every request it receives and every response it sends.
 *
 * The upstream files are fragments (see PROVENANCE.txt there): introduction.yaml ends with `paths:`, the path
 * files continue that mapping, definitions.yaml adds `components:`. We concatenate them in upstream's order and
 * parse once. Schemas are OpenAPI 3.0 (draft-04-like with `nullable`, `example`, `x-*`): ajv runs with strictness
 * off so unknown keywords are ignored, and `nullable` is understood by ajv itself.
 *
 * What is checked: the path template and method exist; required path and query parameters are present and
 * integer/boolean query parameters parse; a required JSON body is present and matches its schema; a response
 * status is documented for the operation and its JSON body matches the documented schema.
 * What is not: headers, cookies, security requirements (the spec declares none per operation), non-JSON bodies,
 * and the three schemas the spec gets wrong (CommandResponse, SlackAttachment, SlackAttachmentField use
 * PascalCase; the wire is snake_case): bodies referring to them are reported as unchecked, never validated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** Upstream's concatenation order (api/Makefile); definitions.yaml must come last. */
const FRAGMENTS = ['introduction', 'users', 'teams', 'channels', 'posts', 'system', 'commands', 'bots', 'definitions'];

/** Schemas whose property names do not match the wire format (PROVENANCE.txt, "Known spec drift"). */
export const DRIFTED_SCHEMAS = ['CommandResponse', 'SlackAttachment', 'SlackAttachmentField'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const COMPONENTS_ID = 'mattermost-components';
const compiled = new Map<string, MattermostSpec>();

/** The spec directory: $MM_OPENAPI_DIR, else ../shared/mattermost-api beside the repository. */
export function openApiDir(): string {
  return process.env.MM_OPENAPI_DIR ?? path.resolve(__dirname, '../../../../../shared/mattermost-api');
}

/** Reads and concatenates the fragments into one OpenAPI document (plain parsed YAML). */
export function loadSpecDocument(dir = openApiDir()): OpenApiDocument {
  const text = FRAGMENTS.map((name) => {
    const file = path.join(dir, `${name}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`Mattermost OpenAPI fragment missing: ${file} (set MM_OPENAPI_DIR)`);
    const body = fs.readFileSync(file, 'utf8');
    return body.endsWith('\n') ? body : `${body}\n`;
  }).join('');
  return parse(text, { uniqueKeys: false, maxAliasCount: -1 }) as OpenApiDocument;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, RawResponse> };
}
interface RawParameter { name: string; in: string; required?: boolean; schema?: { type?: string } }
interface RawResponse { $ref?: string; content?: Record<string, { schema?: unknown }> }
interface RawOperation {
  operationId?: string;
  parameters?: RawParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, RawResponse>;
}

/** A checker for one JSON body: `undefined` when the spec documents no JSON schema for it. */
type BodyCheck = { kind: 'schema'; validate: ValidateFunction } | { kind: 'drifted'; schema: string } | undefined;

/** One operation of the spec, with compiled body checks. */
export interface Operation {
  method: string;
  template: string;
  operationId: string;
  parameters: RawParameter[];
  bodyRequired: boolean;
  request: BodyCheck;
  responses: Map<string, BodyCheck>;
}

/** A request as the server saw it; `body` is the parsed JSON, or undefined when there was none. */
export interface RequestFacts {
  method: string;
  pathname: string;
  query: URLSearchParams;
  body: unknown;
}

export interface RequestCheck {
  operation?: Operation;
  params: Record<string, string>;
  problems: string[];
}

/** The compiled spec. Build it once per test file: compiling takes a moment. */
export class MattermostSpec {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];

  constructor(private readonly doc: OpenApiDocument) {
    // strict off: OpenAPI's example/x-*/discriminator keywords are not JSON Schema and must just be ignored.
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas: rewriteRefs(doc.components.schemas) } });
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, raw] of Object.entries(item)) {
        if (METHODS.includes(method)) this.operations.push(this.compile(method.toUpperCase(), template, raw));
      }
    }
    // Literal segments beat parameters: /users/login must win over /users/{user_id}.
    this.operations.sort((a, b) => paramCount(a.template) - paramCount(b.template));
  }

  /** Loads and compiles the spec from `dir` (default openApiDir()); cached per directory, as compiling takes ~1.5 s. */
  static load(dir = openApiDir()): MattermostSpec {
    let spec = compiled.get(dir);
    if (!spec) {
      spec = new MattermostSpec(loadSpecDocument(dir));
      compiled.set(dir, spec);
    }
    return spec;
  }

  get operationCount(): number {
    return this.operations.length;
  }

  /** The operation whose template matches, preferring literal segments; with the path parameters it bound. */
  match(method: string, pathname: string): { operation: Operation; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method.toUpperCase()) continue;
      const params = matchTemplate(operation.template, pathname);
      if (params) return { operation, params };
    }
    return undefined;
  }

  /** Checks a request against the spec; an empty `problems` means it conforms (as far as this checker sees). */
  checkRequest(req: RequestFacts): RequestCheck {
    const found = this.match(req.method, req.pathname);
    if (!found) return { params: {}, problems: [`${req.method} ${req.pathname}: no such operation in the spec`] };
    const { operation, params } = found;
    const where = `${req.method} ${operation.template} (${operation.operationId}) request`;
    const problems = checkParameters(operation, params, req.query).map((p) => `${where}: ${p}`);
    if (req.body === undefined) {
      if (operation.bodyRequired) problems.push(`${where}: the spec requires a JSON body, none was sent`);
    } else {
      problems.push(...checkBody(operation.request, req.body).map((p) => `${where} body: ${p}`));
    }
    return { operation, params, problems };
  }

  /** Checks a response the server is about to send; undocumented statuses are problems too. */
  checkResponse(operation: Operation, status: number, body: unknown): string[] {
    const where = `${operation.method} ${operation.template} (${operation.operationId}) response ${status}`;
    const check = operation.responses.get(String(status)) ?? operation.responses.get('default');
    if (!operation.responses.has(String(status)) && !operation.responses.has('default')) {
      return [`${where}: status not documented (documented: ${[...operation.responses.keys()].join(', ')})`];
    }
    return checkBody(check, body).map((p) => `${where} body: ${p}`);
  }

  private compile(method: string, template: string, raw: RawOperation): Operation {
    const responses = new Map<string, BodyCheck>();
    for (const [status, response] of Object.entries(raw.responses ?? {})) {
      responses.set(status, this.bodyCheck(this.resolveResponse(response).content));
    }
    return {
      method,
      template,
      operationId: raw.operationId ?? `${method} ${template}`,
      parameters: raw.parameters ?? [],
      bodyRequired: raw.requestBody?.required === true,
      request: this.bodyCheck(raw.requestBody?.content),
      responses,
    };
  }

  private resolveResponse(response: RawResponse): RawResponse {
    if (!response.$ref) return response;
    const name = response.$ref.replace('#/components/responses/', '');
    const target = this.doc.components.responses[name];
    if (!target) throw new Error(`OpenAPI: unresolved response ${response.$ref}`);
    return target;
  }

  private bodyCheck(content: RawResponse['content']): BodyCheck {
    const schema = content?.['application/json']?.schema;
    if (schema === undefined) return undefined;
    const drifted = DRIFTED_SCHEMAS.find((name) => JSON.stringify(schema).includes(`#/components/schemas/${name}"`));
    if (drifted) return { kind: 'drifted', schema: drifted };
    return { kind: 'schema', validate: this.ajv.compile(rewriteRefs(schema) as object) };
  }
}

function checkBody(check: BodyCheck, body: unknown): string[] {
  if (!check) return [];
  if (check.kind === 'drifted') return [`not checked: its schema refers to ${check.schema}, which the spec names in PascalCase`];
  if (check.validate(body)) return [];
  return (check.validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

function checkParameters(operation: Operation, params: Record<string, string>, query: URLSearchParams): string[] {
  const problems: string[] = [];
  for (const parameter of operation.parameters) {
    if (parameter.in === 'path' && !params[parameter.name]) problems.push(`path parameter ${parameter.name} is empty`);
    if (parameter.in !== 'query') continue;
    const value = query.get(parameter.name);
    if (value === null) {
      if (parameter.required) problems.push(`required query parameter ${parameter.name} is missing`);
      continue;
    }
    const type = parameter.schema?.type;
    if (type === 'boolean' && value !== 'true' && value !== 'false') problems.push(`query ${parameter.name}=${value} is not a boolean`);
    if (type === 'integer' && !/^-?\d+$/.test(value)) problems.push(`query ${parameter.name}=${value} is not an integer`);
  }
  return problems;
}

/** Binds a template such as /api/v4/users/{user_id} to a path; undefined when it does not match. */
export function matchTemplate(template: string, pathname: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const name = /^\{(.+)\}$/.exec(want[i])?.[1];
    if (name) params[name] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

function paramCount(template: string): number {
  return (template.match(/\{/g) ?? []).length;
}

/** Points local refs at the components schema registered with ajv, so they resolve (and recurse) there. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof child === 'string' && child.startsWith('#/') ? `${COMPONENTS_ID}${child}` : rewriteRefs(child);
  }
  return out;
}
