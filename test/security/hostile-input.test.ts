/**
 * Hostile input, at every endpoint of every dialect (routes.ts), against the real server.
 *
 * Thousands of malformed, oversized, wrongly typed and boundary requests (fast-check, fixed
 * seeds), each checked on its own:
 *   1. no 5xx, and no stack frame, source path or module path in the answer;
 *   2. no task written by a request that was refused (the server's SQLite file is counted
 *      around every request), and every accepted one accounted for;
 *   3. none of the victim account's secrets (ids, key, metadata strings, file signatures) in
 *      any answer, whoever asks: the fuzzing account, its sibling without credits, nobody, or
 *      a broken key;
 *   4. no 2xx from an authenticated route without a valid key.
 * At the end the server must still be up, must have logged no unhandled error, and the
 * victim's tasks, voices and upload must be exactly as they were.
 *
 * Knobs: FUZZ_SEED=<n> (another seed; each property uses <n> + its index), FUZZ_SCALE=<x> (run
 * counts and time shares × x), FUZZ_BUDGET_S=<s> (the properties' total time share, default 60;
 * 0 = run every numRun whatever it takes), FUZZ_SHRINK=1 (shrink a counterexample).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stopAll, type GenqServer } from '../helpers/server.js';
import { describeRequest, destroyAgent, isObj, parseJson, send, type HostileRequest, type ShapeDeviation } from './hostile-http.js';
import { authHeaders, contentType, idempotencyKey, jsonBody, pathFor, prefer, queryString, rawHttp, type Targets } from './hostile-arbitraries.js';
import { HostileSession } from './hostile-session.js';
import { BODY_LIMIT, Ledger, seedFuzzer, seedVictim, startFuzzServer, wav, type Fuzzer, type Victim } from './hostile-support.js';
import { ROUTES, type RouteSpec } from './routes.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let server: GenqServer;
let victim: Victim;
let fuzzer: Fuzzer;
let ledger: Ledger;
let targets: Targets;
let session: HostileSession;

beforeAll(async () => {
  server = await startFuzzServer();
  [victim, fuzzer] = await Promise.all([seedVictim(server), seedFuzzer(server)]);
  ledger = new Ledger(server.dataDir);
  targets = {
    victimTaskIds: victim.taskIds, victimRunIds: victim.runIds, victimStrings: victim.injectable,
    ownTaskIds: fuzzer.taskIds, ownRunIds: fuzzer.runIds, ids: { uploadId: fuzzer.uploadId }, bodyLimit: BODY_LIMIT,
  };
  session = new HostileSession(server, victim, ledger, {
    seed: Number(process.env.FUZZ_SEED ?? 20_261_125),
    scale: Number(process.env.FUZZ_SCALE ?? 1),
    // each property's time share below is out of 60 s; FUZZ_BUDGET_S scales the whole
    budgetFactor: Number(process.env.FUZZ_BUDGET_S ?? 60) / 60,
    shrink: process.env.FUZZ_SHRINK === '1',
  });
});

afterAll(async () => {
  destroyAgent();
  ledger?.close();
  if (session) console.log(`[hostile-input] ${session.summary()}`);
  await stopAll();
});

const exchange: HostileSession['exchange'] = (...args) => session.exchange(...args);
const check: HostileSession['check'] = (...args) => session.check(...args);

/**
 * CAMB.AI /tts-stream refused for want of credits (402) leaves a failed task behind: a known bug,
 * pinned in dialect-edges.test.ts. The account without credits does not call that one route, so
 * that the invariant stays strict for every other case.
 */
const knownBug = (c: { route: RouteSpec; auth: { label: string } }) => c.route.url === '/camb/tts-stream' && c.auth.label === 'poor';

const headersOf = (...parts: Array<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  return out;
};

describe('isolation, explicitly: the fuzzing account names every victim id in every position', () => {
  it("another account's task ids and run ids are 404 / 400 everywhere, and nothing of the victim comes back", async () => {
    const auth = { authorization: `Bearer ${fuzzer.key.key}`, 'x-api-key': fuzzer.key.key };
    for (const route of ROUTES) {
      if (!/:(id|task_id)\b/.test(route.url)) continue;
      for (const id of victim.taskIds) {
        const res = await exchange(route, { method: route.method, path: route.url.replace(/:(id|task_id)\b/, id), headers: auth }, true);
        expect([400, 404], `${route.method} ${route.url} with the victim's ${id}`).toContain(res.status);
      }
    }
    for (const runId of victim.runIds) {
      for (const p of [`/camb/tts-result/${runId}`, `/camb/tts-result/${runId}?output_type=file_url`, `/camb/text-to-voice-result/${runId}`]) {
        const res = await exchange(ROUTES.find((x) => x.url.startsWith(p.slice(0, p.lastIndexOf('/'))))!, { method: 'GET', path: p, headers: auth }, true);
        expect(res.status, p).toBe(400);
      }
    }
    const results = await exchange(ROUTES.find((x) => x.url === '/camb/tts-results')!, {
      method: 'POST', path: '/camb/tts-results', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ run_ids: victim.runIds }),
    }, true);
    expect(results.status).toBe(200);
    expect(Object.values(JSON.parse(results.text)).every((v) => isObj(v) && v.output_url === null)).toBe(true);
    // the victim's task is still running: nobody else could cancel, delete or retry it
    expect((await victim.api.task(victim.runningId)).status).toBe('running');
  });

  it("another account's voice cannot be spoken, in any dialect, and its idempotency key names no task of it", async () => {
    const auth = { authorization: `Bearer ${fuzzer.key.key}`, 'content-type': 'application/json' };
    for (const voice of victim.voiceIds) {
      const tries: Array<[string, unknown]> = [
        ['/v1/tasks', { capability: 'voice', action: 'tts', input: { text: 'hi', voice } }],
        ['/finevoice/v1/audio/speech-synthesis', { voice, text: 'hi' }],
        ['/modelhunter/api/v1/genq/text-to-speech', { input: { text: 'hi', voice } }],
        ['/v1/tts/stream', { input: { text: 'hi', voice } }],
        ['/v1/tasks', { capability: 'voice', action: 'convert', input: { source_audio: fuzzer.uploadId, voice } }],
      ];
      for (const [p, body] of tries) {
        const route = ROUTES.find((x) => x.url === p) ?? ROUTES.find((x) => x.url === '/modelhunter/api/v1/:provider/:capability')!;
        const res = await exchange(route, { method: 'POST', path: p, headers: auth, body: JSON.stringify(body) }, true);
        expect(res.status, `${p} speaking the victim's voice ${voice}`).toBeGreaterThanOrEqual(400);
      }
    }
    const res = await exchange(ROUTES[0]!, {
      method: 'POST', path: '/v1/tasks', headers: { ...auth, 'idempotency-key': victim.idempotencyKey },
      body: JSON.stringify({ capability: 'voice', action: 'tts', model: 'noop', input: {} }),
    }, true);
    expect(res.status, 'the first use of a key the victim also used makes a new task').toBe(202);
    expect(victim.taskIds).not.toContain(JSON.parse(res.text).id);
  });

  it("another account's upload is not readable as a reference: the task is accepted but fails, never reading it", async () => {
    const auth = { authorization: `Bearer ${fuzzer.key.key}`, 'content-type': 'application/json' };
    const res = await exchange(ROUTES[0]!, {
      method: 'POST', path: '/v1/tasks', headers: auth,
      body: JSON.stringify({ capability: 'voice', action: 'clone', input: { reference_audio: victim.uploadId, name: 'stolen', text: 'hi' } }),
    }, true, { keep: true });
    if (res.status === 202) {
      const id = JSON.parse(res.text).id as string;
      const t = await fuzzer.api.waitTerminal(id, 30_000);
      expect(t.status === 'failed' || t.status === 'cancelled', `clone from the victim's upload ended ${t.status}`).toBe(true);
      if (t.status === 'failed') expect(t.error?.code).toBe('INVALID_INPUT');
    } else expect(res.status).toBeGreaterThanOrEqual(400);
  });
});

describe('hostile JSON bodies at every create and body-reading route', () => {
  const jsonRoutes = ROUTES.filter((r) => r.body === 'json');

  it(`${jsonRoutes.length} routes × wrong types, unknown fields, boundary numbers, invalid JSON, odd content types, sizes around the ${BODY_LIMIT}-byte limit`, async () => {
    const arb = fc.constantFrom(...jsonRoutes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        path: pathFor(route, targets),
        body: jsonBody(route, targets),
        contentType,
        auth: authHeaders(fuzzer.key.key, victim.key.key, fuzzer.poor.key.key),
        idem: idempotencyKey(targets),
      })).filter((c) => !knownBug(c));
    await check('json-bodies', arb, async (c) => {
      const r: HostileRequest = {
        method: c.route.method, path: c.path, body: c.body.text,
        headers: headersOf(c.auth.headers, { 'content-type': c.contentType, 'idempotency-key': c.idem }),
      };
      await exchange(c.route, r, c.auth.valid);
    }, 1300, 1, 18);
  });
});

describe('hostile path parameters, query strings and headers at every route', () => {
  it(`${ROUTES.length} routes × ids of the victim, traversal, %00, over-long and broken %-encoding; junk queries; Prefer; every kind of key`, async () => {
    const arb = fc.constantFrom(...ROUTES).chain((route) =>
      fc.record({
        route: fc.constant(route),
        path: pathFor(route, targets),
        query: queryString(targets),
        prefer,
        auth: authHeaders(fuzzer.key.key, victim.key.key, fuzzer.poor.key.key),
        idem: idempotencyKey(targets),
        accept: fc.constantFrom(undefined, '*/*', 'text/event-stream', 'application/json', 'text/html', 'garbage', ''),
      })).filter((c) => !knownBug(c));
    await check('path-query-headers', arb, async (c) => {
      const body = c.route.body === 'json' ? JSON.stringify(c.route.template?.(targets.ids) ?? {}) : c.route.body === 'raw-audio' ? wav(50) : undefined;
      const r: HostileRequest = {
        method: c.route.method, path: c.path + c.query, body,
        headers: headersOf(c.auth.headers, {
          'content-type': c.route.body === 'json' ? 'application/json' : c.route.body === 'raw-audio' ? 'audio/wav' : undefined,
          prefer: c.prefer, 'idempotency-key': c.idem, accept: c.accept,
        }),
      };
      await exchange(c.route, r, c.auth.valid);
    }, 1300, 2, 16);
  });

  it('wrong methods and odd headers at every route: Host, Range, Expect, forwarded headers, encodings', async () => {
    const arb = fc.record({
      route: fc.constantFrom(...ROUTES),
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE'),
      auth: authHeaders(fuzzer.key.key, victim.key.key, fuzzer.poor.key.key),
      extra: fc.dictionary(
        fc.constantFrom('host', 'range', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-for', 'forwarded', 'accept-encoding', 'content-encoding', 'if-none-match', 'origin', 'cookie', 'x-http-method-override', 'last-event-id', 'te', 'upgrade'),
        fc.constantFrom('', 'evil.example', '127.0.0.1:1', '[::1', 'a b', 'bytes=0-0', 'bytes=-1', 'bytes=5-1', 'bytes=0-99999999999999999999', 'bytes=x', 'gzip', 'br, *;q=0', 'DELETE', '0', '-1', '99999999999999999999', 'h2c', 'x'.repeat(2000), 'ü'),
        { maxKeys: 3 },
      ),
      hasBody: fc.boolean(),
    }).filter((c) => !knownBug(c));
    await check('methods-headers', arb, async (c) => {
      const path = c.route.url.replace(/:([a-z_]+)|\*/g, (_m, name: string | undefined) => (name === 'run_id' ? String(fuzzer.runIds[2]) : name === 'capability' ? 'text-to-speech' : name === 'provider' ? 'genq' : name ? fuzzer.taskIds[0]! : 'x'));
      const headers = headersOf(c.auth.headers, c.extra, c.hasBody ? { 'content-type': 'application/json' } : {});
      const r: HostileRequest = { method: c.method, path, headers, body: c.hasBody && c.method !== 'GET' && c.method !== 'HEAD' ? '{"capability":"voice"}' : undefined };
      // another method on a route's path is another route (or none): judge it as unmatched
      await exchange(c.method === c.route.method ? c.route : null, r, c.auth.valid);
    }, 450, 3, 5);
  });
});

describe('uploads and files', () => {
  it('raw upload bodies: random bytes behind real and fake audio signatures, every content type, multipart, empty', async () => {
    const route = ROUTES.find((x) => x.url === '/v1/uploads')!;
    const magic = fc.constantFrom('', 'RIFF\0\0\0\0WAVE', 'RIFF', 'OggS', 'ID3', '\xff\xfb', '\xff\xe0', 'fLaC', '\x89PNG\r\n\x1a\n', '{"a":1}', '--x\r\nContent-Disposition: form-data; name="file"; filename="../../../etc/passwd"\r\n\r\n');
    const arb = fc.record({
      magic,
      rest: fc.uint8Array({ maxLength: 3000 }),
      contentType: fc.constantFrom(undefined, 'audio/wav', 'audio/mpeg', 'audio/ogg', 'audio/x-whatever', 'audio/', 'audio/../../x', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json', 'text/plain', 'AUDIO/WAV', 'audio/wav; name="../../x.wav"'),
      disposition: fc.constantFrom(undefined, 'attachment; filename="../../../../tmp/evil.wav"', 'attachment; filename="..\\..\\evil.wav"', 'attachment; filename="/etc/passwd"'),
      auth: authHeaders(fuzzer.key.key, victim.key.key, fuzzer.poor.key.key),
    });
    await check('uploads', arb, async (c) => {
      const body = Buffer.concat([Buffer.from(c.magic, 'latin1'), Buffer.from(c.rest)]);
      const r: HostileRequest = { method: 'POST', path: '/v1/uploads', body, headers: headersOf(c.auth.headers, { 'content-type': c.contentType, 'content-disposition': c.disposition }) };
      const res = await exchange(route, r, c.auth.valid);
      if (res.status === 201) expect((parseJson(res.text) as { id: string }).id).toMatch(/^upl_[0-9a-f]{24}$/);
    }, 250, 4, 3);
  });

  it('the fuzzer\'s own signed file URL with tampered query and Range headers: 200/206/416 or 403, never another file', async () => {
    const route = ROUTES.find((x) => x.url === '/files/*')!;
    const url = new URL(fuzzer.fileUrl);
    const [expires, sig] = [url.searchParams.get('expires')!, url.searchParams.get('sig')!];
    const arb = fc.record({
      expires: fc.oneof(fc.constant(expires), fc.constantFrom('', '0', '-1', '9999999999', `${Number(expires) + 1}`, `${expires}.5`, '1e10', 'NaN', `${expires}&expires=9999999999`)),
      sig: fc.oneof(fc.constant(sig), fc.nat({ max: sig.length - 1 }).map((i) => sig.slice(0, i) + (sig[i] === 'A' ? 'B' : 'A') + sig.slice(i + 1)), fc.constantFrom('', sig.slice(1), `${sig}=`, sig.toUpperCase(), `${sig}&sig=x`)),
      range: fc.option(fc.oneof(fc.constantFrom('bytes=0-0', 'bytes=0-', 'bytes=-1', 'bytes=-0', 'bytes=5-2', 'bytes=0-99999999999999999999', 'bytes=99999999999999999999-', 'bytes=0-1,2-3', 'bytes=', 'bytes=-', 'items=0-1', 'bytes=1e3-'), fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: -5, max: 40 })).map(([a, b]) => `bytes=${a}-${b}`))),
    });
    await check('file-urls', arb, async (c) => {
      const r: HostileRequest = { method: 'GET', path: `${url.pathname}?expires=${c.expires}&sig=${encodeURIComponent(c.sig).replace(/%26/g, '&').replace(/%3D/g, '=')}`, headers: headersOf({ range: c.range ?? undefined }) };
      const res = await exchange(route, r, false);
      expect([200, 206, 403, 410, 416], describeRequest(r)).toContain(res.status);
      if (res.status === 200 || res.status === 206) expect('fuzzer file').toContain(res.text);
    }, 250, 5, 3);
  });
});

describe('malformed HTTP on the wire (node:net)', () => {
  it('bad request lines, control bytes in headers, conflicting framing, missing Host, huge headers: a 4xx or a closed socket', async () => {
    const key = fuzzer.key.key;
    await check('raw-http', rawHttp(key, victim.taskIds[0]!), (c) => session.exchangeRaw(c.line, c.bytes, key), 250, 6, 4);
  });
});

describe('after all of it', () => {
  // the fuzzing sent many refused keys from this address, which GENQ_AUTH_FAILURES_PER_IP answers
  // with 429 for the rest of that second: let the lockout pass (as its Retry-After says) before
  // the checks below read through the API
  beforeAll(async () => {
    for (let i = 0; i < 20; i++) {
      const r = await victim.api.get('/v1/account');
      if (r.status !== 429) return;
      await new Promise((resolve) => setTimeout(resolve, Number(r.headers.get('retry-after') ?? 1) * 1000 + 50));
    }
  });

  it('the server is up, healthy, and logged no unhandled error and no 5xx', async () => {
    expect(server.exited, `the server exited: ${server.stderr().slice(-2000)}`).toBe(false);
    for (const p of ['/healthz', '/readyz']) {
      const res = await send(server.port, { method: 'GET', path: p, headers: {} });
      expect(res.status, p).toBe(200);
    }
    const errors = server.logs.filter((l) => (l.level ?? 0) >= 50 || (l.msg === 'request' && Number(l.status) >= 500));
    expect(errors.map((l) => JSON.stringify(l).slice(0, 400))).toEqual([]);
    expect(server.nonJsonLines).toEqual([]);
  });

  it("the victim's tasks, voices and upload are exactly as they were", async () => {
    const now = await Promise.all([...victim.before.keys()].map((id) => victim.api.task(id)));
    for (const t of now) {
      const was = victim.before.get(t.id)!;
      expect({ status: t.status, metadata: t.metadata, input: t.input, completed_at: t.completed_at }, t.id).toEqual({ status: was.status, metadata: was.metadata, input: was.input, completed_at: was.completed_at });
    }
    expect(ledger.tasksOf(victim.key.account_id).map((t) => t.id).sort()).toEqual([...victim.before.keys()].sort());
    expect(ledger.voicesOf(victim.key.account_id).sort()).toEqual([...victim.voiceIds].sort());
  });

  it('every task of the fuzzing accounts came from an accepted request: their lists (GET /v1/tasks, paginated) are fixtures + what was accepted', async () => {
    const listed = [...(await fuzzer.api.listAll()), ...(await fuzzer.poor.api.listAll())];
    const known = new Set([...fuzzer.taskIds, ...session.accepted]);
    const unknown = listed.filter((t) => !known.has(t.id));
    // accepted CAMB.AI /tts-stream requests are the only tasks whose ids were never answered
    expect(unknown.length, `tasks nobody accepted: ${unknown.map((t) => `${t.id} ${t.capability}/${t.action} ${JSON.stringify(t.input).slice(0, 120)}`).join('; ')}`).toBe(session.hiddenAccepted);
    const listedIds = new Set(listed.map((t) => t.id));
    expect([...known].filter((id) => !listedIds.has(id)), 'accepted, yet not in the list').toEqual([]);
    // the database agrees: nothing written for anyone else (no key, a broken key) either
    expect(ledger.tasks()).toBe(victim.before.size + listed.length);
  });

  it('error bodies are in their dialect\'s shape (known gaps listed, see the report)', () => {
    // collected during the fuzzing, not thrown there: a wrong shape is a contract gap, not a fault
    const byKind = new Map<string, ShapeDeviation>();
    for (const d of session.deviations) byKind.set(`${d.dialect} ${d.status} ${d.body.slice(0, 40)}`, d);
    if (byKind.size) console.log(`[hostile-input] error bodies outside their dialect's shape:\n${[...byKind.values()].map((d) => `  ${d.dialect} ${d.status} ${d.request} → ${d.body.slice(0, 160)}`).join('\n')}`);
    // the one known gap: URLs the router cannot parse are answered by Fastify's frameworkErrors
    // hook (api/server.ts) in the native shape, whatever the prefix (file-urls.test.ts pins it down)
    const routerError = (d: ShapeDeviation) => /"code":"URI_TOO_LONG"|The URL is not valid: check its %-encoding/.test(d.body);
    const unexplained = [...byKind.values()].filter((d) => !routerError(d));
    expect(unexplained.map((d) => `${d.dialect} ${d.status} ${d.request} → ${d.body.slice(0, 160)}`)).toEqual([]);
  });
});

