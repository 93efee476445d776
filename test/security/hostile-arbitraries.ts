/**
 * fast-check generators for hostile requests: wrong types, boundary numbers, strings that mean
 * something to a shell, a path, SQL, a URL parser or a prototype chain, deep nesting, invalid
 * JSON text, odd content types, header values and path segments. Values of the victim account
 * (`Victim`) are mixed in, so every id-taking position is also tried with another account's id.
 */
import fc from 'fast-check';
import { paramsOf, type RouteSpec, type TemplateIds } from './routes.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What the generators may point at: the victim's ids and the fuzzing account's own. */
export interface Targets {
  victimTaskIds: string[];
  victimRunIds: number[];
  victimStrings: string[];
  ownTaskIds: string[];
  ownRunIds: number[];
  ids: TemplateIds;
  bodyLimit: number;
}

export const WEIRD_STRINGS: readonly string[] = [
  '', ' ', '\t', '\n', '\u0000', 'a\u0000b', 'null', 'undefined', 'NaN', 'Infinity', '-Infinity', '-1', '0', '-0', '1e308', '1e999',
  '9007199254740993', '0x1F', ' 3 ', '3.0', '3,5', 'true', '[]', '{}', '"', '\\', "'",
  '../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '/etc/passwd', 'C:\\Windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '....//....//etc/passwd', 'file:///etc/passwd', 'http://127.0.0.1:1/', 'http://[::1]:22/', 'http://169.254.169.254/latest/meta-data/',
  'http://0x7f000001/', 'gopher://127.0.0.1:6379/_INFO', 'javascript:alert(1)', 'https://user:pw@hooks.genq-fuzz.invalid/',
  'https://hooks.genq-fuzz.invalid/\r\nX-Evil: 1', 'https://metadata.google.internal/', 'http://printer.local/', 'https://hooks.genq-fuzz.invalid/h', 'data:audio/wav;base64,', 'data:audio/wav;base64,UklGRg==',
  'data:audio/wav;base64,!!!not-base64', 'data:text/html,<script>alert(1)</script>', 'upl_', 'upl_000000000000000000000000',
  'upl_../../../../etc/passwd', 'voice_../../x', '<script>alert(1)</script>', "' OR '1'='1", "'; DROP TABLE tasks; --",
  '${jndi:ldap://127.0.0.1/a}', '{{7*7}}', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  'en-us', 'en-US', '_', '-', 'james', 'noop', 'espeak-ng', 'espeak-ng-design', 'kling-v3', 'x'.repeat(129), 'x'.repeat(256), '\ud800',
  '\udfff\ud800', '🎉'.repeat(40), 'a\u0301\u0301\u0301', 'RTL\u202Eevil', '\r\nX-Injected: 1', '\u2028\u2029', '\ufeff', 'ﷺ'.repeat(30),
];

export const BOUNDARY_NUMBERS: readonly number[] = [
  0, -0, 1, -1, 2, 3, 9, 18, 19, 88, 9001, 9006, 20303, 147320, 1.5, -1.5, 0.1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2,
  -(2 ** 53), 1e21, 1e308, -1e308, Number.MIN_VALUE, 60, 61, 100, 101, -100, -101, 1000, 1001, 86_400, 86_401, 604_800, 604_801, 600_000, 600_001,
];

const victimOr = (t: Targets, arb: fc.Arbitrary<string>) =>
  fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: fc.constantFrom(...t.victimStrings), weight: 1 });

/** A single hostile JSON value (scalar, small container, long string or deep nesting). */
export function hostileValue(t: Targets): fc.Arbitrary<Json> {
  const scalar: fc.Arbitrary<Json> = fc.oneof(
    { arbitrary: victimOr(t, fc.constantFrom(...WEIRD_STRINGS)), weight: 6 },
    { arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS), weight: 4 },
    { arbitrary: fc.constantFrom<Json>(null, true, false), weight: 2 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 2 },
    { arbitrary: fc.integer(), weight: 2 },
    { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
  return fc.oneof(
    { arbitrary: scalar, weight: 12 },
    { arbitrary: fc.array(scalar, { maxLength: 4 }), weight: 2 },
    { arbitrary: fc.dictionary(fc.constantFrom('a', 'text', '__proto__', 'constructor', ''), scalar, { maxKeys: 3 }), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, weight: 1 },
    { arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'x'.repeat(n)), weight: 1 },
    { arbitrary: fc.constantFrom(31, 32, 33, 63, 64, 65, 200).map((d) => nest(d)), weight: 1 },
  );
}

/** `depth` levels of alternating objects and arrays: 31–33 straddle the core's limit, 63–65 the parser's. */
export function nest(depth: number): Json {
  let v: Json = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

type Op =
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; key: string; value: Json };

/** Every path of an object down to depth 2 (`["input", "text"]`), for mutation ops to pick from. */
function pathsOf(o: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(o)) {
    out.push([k]);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const k2 of Object.keys(v)) out.push([k, k2]);
    if (Array.isArray(v) && v.length > 0) out.push([k, '0']);
  }
  return out;
}

function applyOps(template: Record<string, unknown>, ops: Op[]): Json {
  const body = structuredClone(template) as Record<string, Json>;
  for (const op of ops) {
    const paths = pathsOf(body);
    if (op.kind === 'add') {
      Object.defineProperty(body, op.key, { value: op.value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (paths.length === 0) continue;
    const p = paths[op.at % paths.length]!;
    let parent: Record<string, Json> | Json[] = body;
    for (const seg of p.slice(0, -1)) parent = (parent as Record<string, Json>)[seg] as Record<string, Json>;
    const last = p[p.length - 1]!;
    if (typeof parent !== 'object' || parent === null) continue;
    if (op.kind === 'delete') delete (parent as Record<string, Json>)[last];
    else (parent as Record<string, Json>)[last] = op.value;
  }
  return body;
}

const opArb = (t: Targets): fc.Arbitrary<Op> =>
  fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: hostileValue(t) }), weight: 6 },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }), weight: 2 },
    {
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'idempotency_key', 'account_id', 'id', 'status', 'x'.repeat(300), ''), fc.string({ maxLength: 12 })),
        value: hostileValue(t),
      }),
      weight: 2,
    },
  );

/** Text that is not JSON (or JSON that a strict server must still refuse). */
export function badJsonText(template: Record<string, unknown>): fc.Arbitrary<string> {
  const good = JSON.stringify(template);
  return fc.oneof(
    fc.nat({ max: Math.max(0, good.length - 1) }).map((n) => good.slice(0, n)),
    fc.constantFrom(
      '', ' ', '{', '}', '[', '{"a":1,}', "{'a':1}", '{"a":1}}', 'nul', 'NaN', 'Infinity', '\u0000', '{"a":1e999}', '{"a":-1e999}',
      '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\ufeff{}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}',
      `{"text":"a","text":1}`, '['.repeat(5000), '{"a":'.repeat(2000), `${good}\n${good}`, `${good}garbage`, `${good.slice(0, -1)},"__proto__":{"x":1}}`,
      '{"a":"\\x41"}', '{"a":01}', '{"a":.5}', '{"a":+1}', '{"a":0x10}', '/*c*/{}', '{"a":1}//c',
    ),
  );
}

/** A JSON request body for a route: mostly a mutated template, sometimes anything at all. */
export function jsonBody(route: RouteSpec, t: Targets): fc.Arbitrary<{ text: string; kind: string }> {
  const template = route.template?.(t.ids) ?? {};
  const limit = t.bodyLimit;
  return fc.oneof(
    { arbitrary: fc.array(opArb(t), { minLength: 1, maxLength: 3 }).map((ops) => ({ text: JSON.stringify(applyOps(template, ops)), kind: 'mutated' })), weight: 14 },
    { arbitrary: fc.constant({ text: JSON.stringify(template), kind: 'template' }), weight: 1 },
    { arbitrary: hostileValue(t).map((v) => ({ text: JSON.stringify(v), kind: 'value' })), weight: 2 },
    { arbitrary: fc.constant({ text: JSON.stringify([template]), kind: 'array' }), weight: 1 },
    { arbitrary: badJsonText(template).map((text) => ({ text, kind: 'bad-json' })), weight: 3 },
    {
      // just under and just over the body limit: one long string field
      arbitrary: fc.integer({ min: -64, max: 64 }).map((d) => {
        const pad = Math.max(0, limit + d - JSON.stringify({ ...template, text: '' }).length);
        return { text: JSON.stringify({ ...template, text: 'y'.repeat(pad) }), kind: `size-limit${d >= 0 ? '+' : ''}${d}` };
      }),
      weight: 1,
    },
  );
}

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined, '', 'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=----x',
  'multipart/form-data', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;;',
  'application/json; charset="utf-8"; foo=bar', 'application/jsonx', 'application/vnd.api+json', 'application/json, text/plain',
  'audio/wav', 'application/octet-stream', '*/*', 'application/', '/json', 'application/json\t',
];

export const contentType = fc.oneof(
  { arbitrary: fc.constant<string | undefined>('application/json'), weight: 12 },
  { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 3 },
);

/** Idempotency-Key values: absent most of the time, otherwise at and past its 1–255 bounds. */
export function idempotencyKey(t: Targets): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 10 },
    { arbitrary: fc.constantFrom('', ' ', 'k', 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(300), 'ü'.repeat(200), '\t', 'a, b', 'null'), weight: 2 },
    { arbitrary: fc.stringMatching(/^[\x20-\x7e]{1,40}$/), weight: 2 },
    { arbitrary: fc.constantFrom(...t.victimStrings), weight: 1 },
  );
}

/** Prefer values: garbage and out of range, and only waits that cannot hold a request more than a second. */
export const prefer = fc.oneof(
  { arbitrary: fc.constant<string | undefined>(undefined), weight: 10 },
  {
    arbitrary: fc.constantFrom(
      'wait=garbage', 'wait=-1', 'wait=1.5', 'wait=61', 'wait=999999', 'wait=9999999', 'wait=0', 'wait=1', 'wait', 'wait=', 'wait="1"', 'wait="',
      'respond-async, wait=0', 'wait=0, wait=61', 'wait=1e1', 'wait=0x1', 'WAIT=0', 'wait = 0', 'return=minimal', ',,,', 'wait=\u00b3', 'wait=\u00a0',
    ),
    weight: 4,
  },
);

/**
 * How the request authenticates: the fuzzing key (either header), a key without credits, none,
 * or something broken.
 * `valid` tells whether the server should know the caller.
 */
export function authHeaders(fuzzKey: string, victimKey: string, poorKey: string): fc.Arbitrary<{ headers: Record<string, string>; valid: boolean; label: string }> {
  const flip = (k: string, i: number) => {
    const at = 3 + (i % (k.length - 3));
    return k.slice(0, at) + (k[at] === 'A' ? 'B' : 'A') + k.slice(at + 1);
  };
  return fc.oneof(
    { arbitrary: fc.constant({ headers: { authorization: `Bearer ${fuzzKey}` }, valid: true, label: 'bearer' }), weight: 12 },
    { arbitrary: fc.constant({ headers: { 'x-api-key': fuzzKey }, valid: true, label: 'x-api-key' }), weight: 3 },
    // a real key of an account without credits: every create must be refused (402) or stored failed (CAMB.AI)
    { arbitrary: fc.constant({ headers: { authorization: `Bearer ${poorKey}` }, valid: true, label: 'poor' }), weight: 2 },
    { arbitrary: fc.constant({ headers: { authorization: `bearer    ${fuzzKey}  ` }, valid: true, label: 'bearer-spaces' }), weight: 1 },
    { arbitrary: fc.constant({ headers: {}, valid: false, label: 'none' }), weight: 3 },
    {
      arbitrary: fc.oneof(
        fc.nat().map((i) => ({ authorization: `Bearer ${flip(victimKey, i)}` })),
        fc.nat().map((i) => ({ 'x-api-key': flip(fuzzKey, i) })),
        fc.constantFrom<Record<string, string>>(
          { authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: `Bearer ${fuzzKey} extra` }, { authorization: fuzzKey },
          { authorization: `Basic ${Buffer.from(`${fuzzKey}:`).toString('base64')}` }, { authorization: `Bearer ${fuzzKey.toUpperCase()}` },
          { authorization: `Bearer ${fuzzKey}\u00ff` }, { authorization: `Bearer ${victimKey.slice(0, -1)}` }, { authorization: `Bearer ${victimKey}x` },
          { authorization: `Bearer sk_${'A'.repeat(4000)}` }, { 'x-api-key': '' }, { 'x-api-key': ' ' }, { 'x-api-key': 'sk_' },
          { authorization: `Bearer ${'x'.repeat(9000)}` }, { authorization: 'Bearer null' }, { authorization: 'Bearer undefined' },
          { authorization: `Bearer garbage`, 'x-api-key': fuzzKey }, { authorization: `Token ${fuzzKey}` },
        ),
        fc.stringMatching(/^[\x21-\x7e]{0,60}$/).map((s) => ({ authorization: `Bearer ${s}` })),
      ).map((headers) => ({ headers, valid: false, label: 'broken' })),
      weight: 4,
    },
  );
}

/** A hostile path segment, already in the form it goes on the wire. */
const hostileSegment = fc.oneof(
  fc.constantFrom(
    '..%2f..%2fetc%2fpasswd', '..%2F..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%2e%2e%2f%2e%2e%2fgenq.db', '..', '.', '%00', 'a%00b', '%', '%zz', '%c0%af',
    '%ff', '%e2%80%ae', '%20', 'a%20b', '%0d%0aX-Injected:%201', 'null', 'undefined', '0', '-1', '1e3', '1.0', '%2B1', '..%5c..%5cwindows', '~',
    '*', '%2A', 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(100), 'a'.repeat(101), 'a'.repeat(2000), '__proto__', 'constructor', 'toString',
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
);

/** A value for a path parameter, by its name. */
export function paramValue(name: string, t: Targets): fc.Arbitrary<string> {
  if (name === 'run_id') {
    return fc.oneof(
      { arbitrary: fc.constantFrom(...t.victimRunIds, ...t.ownRunIds).map(String), weight: 4 },
      { arbitrary: fc.constantFrom('0', '-1', '1.0', '1e3', '9007199254740993', '99999999999999999999', '%201', '0x1', '+1', '1_000'), weight: 3 },
      { arbitrary: fc.integer().map(String), weight: 2 },
      { arbitrary: hostileSegment, weight: 2 },
    );
  }
  if (name === 'capability') {
    return fc.oneof(
      { arbitrary: fc.constantFrom('text-to-speech', 'text-to-voice', 'voice-design', 'voice-clone', 'voice-conversion', 'text-to-image', 'image-to-video', 'text-to-music'), weight: 6 },
      { arbitrary: hostileSegment, weight: 2 },
    );
  }
  if (name === 'provider') return fc.oneof({ arbitrary: fc.constantFrom('openai', 'fal', 'kling', 'genq'), weight: 3 }, { arbitrary: hostileSegment, weight: 1 });
  if (name === '*') {
    return fc.oneof(
      fc.constantFrom('index.html', 'app.js', '../index.html', '..%2f..%2fgenq.db', '%2e%2e/%2e%2e/genq.db', 'x/../../genq.db', '..\\..\\genq.db', '/etc/passwd', '%2fetc%2fpasswd'),
      hostileSegment,
      fc.constantFrom(...t.victimTaskIds).map((id) => `acct/${id}/out.txt`),
    );
  }
  return fc.oneof(
    { arbitrary: fc.constantFrom(...t.victimTaskIds), weight: 4 },
    { arbitrary: fc.constantFrom(...t.ownTaskIds), weight: 2 },
    { arbitrary: fc.uuid({ version: 7 }), weight: 1 },
    { arbitrary: fc.constantFrom(...t.victimTaskIds).map((id) => id.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom(...t.victimTaskIds).map((id) => `${id}%20`), weight: 1 },
    { arbitrary: fc.constantFrom(...t.victimTaskIds).map((id) => `${id}%00`), weight: 1 },
    { arbitrary: hostileSegment, weight: 4 },
  );
}

/** The route's path with every parameter filled in. */
export function pathFor(route: RouteSpec, t: Targets): fc.Arbitrary<string> {
  const names = paramsOf(route.url);
  if (names.length === 0) return fc.constant(route.url);
  return fc.tuple(...names.map((n) => paramValue(n, t))).map((values) => {
    let i = 0;
    return route.url.replace(/:([a-z_]+)|\*/g, () => values[i++]!);
  });
}

/** A query string: the parameters the list and result routes read, plus junk. */
export function queryString(t: Targets): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom('1', '0', '-1', '100', '101', '500', '501', '20', 'abc', '123456789012345', '1234567890123456', '', '1.5', '1e2', '99999999999999999999', 'queued', 'failed,succeeded', 'succeeded', 'raw_bytes', 'FILE_URL', 'file_url', 'voice'),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(...t.victimStrings),
    fc.constantFrom(Buffer.from(`t:${t.victimTaskIds[0]}`).toString('base64url'), Buffer.from('t:ffffffff-ffff-7fff-bfff-ffffffffffff').toString('base64url'), 'x'.repeat(201)),
  );
  const key = fc.constantFrom('limit', 'cursor', 'status', 'capability', 'output_type', 'provider', 'modelId', 'search', '__proto__', 'constructor', 'limit[]', 'a[b]', '', 'expires', 'sig');
  return fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : ''));
}

/**
 * Raw HTTP/1.1 bytes that no client library would write: broken request lines, control bytes in
 * headers, obs-fold, missing or doubled Host, conflicting Content-Length and Transfer-Encoding,
 * bad chunking, sizes claimed past a route's limit, bare CR or LF line ends.
 */
export function rawHttp(key: string, victimTaskId: string): fc.Arbitrary<{ line: string; bytes: Buffer }> {
  const line = fc.constantFrom(
    'GET /healthz HTTP/1.1', 'GET /v1/tasks HTTP/1.1', 'POST /v1/tasks HTTP/1.1', 'POST /camb/tts HTTP/1.1', 'POST /finevoice/v1/audio/speech-synthesis HTTP/1.1',
    `GET /v1/tasks/${victimTaskId} HTTP/1.1`, `GET /modelhunter/api/v1/tasks/${victimTaskId} HTTP/1.1`, 'GET /files/../genq.db HTTP/1.1',
    'GET /files/..%2fgenq.db HTTP/1.1', 'GET /assets/../../genq.db HTTP/1.1', 'GET  /healthz HTTP/1.1', 'GET /healthz HTTP/1.0', 'GET /healthz HTTP/2.0',
    'GET /healthz HTTP/1.1 extra', 'GET /hea\x00lthz HTTP/1.1', 'G\x01T / HTTP/1.1', 'GET http://evil.example/v1/account HTTP/1.1', 'OPTIONS * HTTP/1.1',
    'GET /v1/tasks/\xff\xfe HTTP/1.1', 'GET /v1/tasks?limit=\x01 HTTP/1.1', 'PRI * HTTP/2.0', `GET ${'/a'.repeat(5000)} HTTP/1.1`, 'BREW /coffee HTTP/1.1',
    'GET /v1/tasks/%00 HTTP/1.1', 'GET /camb/tts-result/%ff HTTP/1.1', 'POST /v1/uploads HTTP/1.1', 'POST /v1/tasks/batch HTTP/1.1', '', 'GET', 'GET /',
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  );
  const header = fc.constantFrom(
    'X-A: b\x00c', 'X-A: \x01', ' obs-fold continuation', '\tfolded', 'NoColon', 'Bad Name: x', ': empty-name', 'X-A:\x7f', 'Idempotency-Key: a\x01b',
    `Idempotency-Key: ${'k'.repeat(300)}`, 'Prefer: wait=\x01', 'Prefer: wait=1', 'Content-Type: application/json', 'Content-Type: application/json\x00',
    'Content-Type: text/plain', 'Content-Type: audio/wav', 'Accept: */*', 'Connection: close', 'Connection: keep-alive', 'Expect: 100-continue', 'Expect: garbage',
    `X-Huge: ${'h'.repeat(20_000)}`, 'Upgrade: websocket', 'Range: bytes=0-0',
  );
  const chunked = (b: Buffer, size = b.length.toString(16)) => Buffer.concat([Buffer.from(`${size}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);
  const framings: Record<string, (b: Buffer) => [string[], Buffer]> = {
    none: () => [[], Buffer.alloc(0)],
    'cl-ok': (b) => [[`Content-Length: ${b.length}`], b],
    'cl-short': (b) => [[`Content-Length: ${b.length + 10}`], b],
    'cl-long': (b) => [[`Content-Length: ${Math.max(0, b.length - 3)}`], b],
    'cl-neg': (b) => [['Content-Length: -1'], b],
    'cl-dup': (b) => [[`Content-Length: ${b.length}`, `Content-Length: ${b.length + 1}`], b],
    'cl-list': (b) => [[`Content-Length: ${b.length}, ${b.length}`], b],
    'cl-huge': (b) => [['Content-Length: 99999999999999999999'], b],
    // just over the upload route's 20 MiB and the batch route's 64 MiB: claimed, not sent
    'cl-20m': (b) => [[`Content-Length: ${20 * 1024 * 1024 + 1}`], b],
    'cl-64m': (b) => [[`Content-Length: ${64 * 1024 * 1024 + 1}`], b],
    'te-chunked': (b) => [['Transfer-Encoding: chunked'], chunked(b)],
    'te-chunked-bad': (b) => [['Transfer-Encoding: chunked'], chunked(b, 'zz')],
    'te-and-cl': (b) => [['Transfer-Encoding: chunked', `Content-Length: ${b.length}`], chunked(b)],
    'te-gzip': (b) => [['Transfer-Encoding: gzip, chunked'], b],
    'te-identity': (b) => [['Transfer-Encoding: identity'], b],
  };
  return fc.record({
    line,
    headers: fc.array(header, { maxLength: 5 }),
    host: fc.constantFrom('Host: 127.0.0.1', '', 'Host: ', 'Host: a\r\nHost: b', 'Host: evil.example', 'Host: [::1', 'Host: \x00'),
    auth: fc.constantFrom(`Authorization: Bearer ${key}`, '', 'Authorization: Bearer \x01', `X-Api-Key: ${key}\x00`, `Authorization: Bearer ${key}\x7f`, `x-api-key: ${key}`),
    framing: fc.constantFrom(...Object.keys(framings)),
    body: fc.constantFrom('{"capability":"voice","action":"tts","model":"noop","input":{}}', '{"text":"hi","voice_id":1,"language":1}', '{"voice":"james","text":"hi"}', '{', '', 'x'.repeat(500)),
    eol: fc.constantFrom('\r\n', '\r\n', '\n', '\r'),
  }).map((c) => {
    const [frameHeaders, payload] = framings[c.framing]!(Buffer.from(c.body, 'latin1'));
    const head = [c.line, c.host, c.auth, ...c.headers, ...frameHeaders].filter((h) => h !== '').join(c.eol);
    return { line: `${c.line} [${c.framing}]`, bytes: Buffer.concat([Buffer.from(`${head}${c.eol}${c.eol}`, 'latin1'), payload]) };
  });
}
