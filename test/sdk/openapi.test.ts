/**
 * /openapi.json describes what the server really sends (responses validated against it),
 * the renderer cannot grow a field the schema lacks (Fastify would drop it silently), and
 * `/` and `/docs` are served from the build.
 */
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Genq } from '../../dist/sdk/index.js';
import { renderTask } from '../../dist/api/native/render.js';
import { RESPONSE_SCHEMAS } from '../../dist/api/native/response-schemas.js';
import { UrlSigner } from '../../dist/storage/url-signer.js';
import { makeKey, start, stopAll, type GenqServer } from '../helpers/server.js';

const Ajv = ((AjvModule as any).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as typeof addFormatsModule;

let server: GenqServer;
let genq: Genq;
let doc: any;

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  genq = new Genq({ baseUrl: server.url, apiKey: (await makeKey(server.dataDir, { name: 'openapi' })).key });
  doc = await (await fetch(`${server.url}/openapi.json`)).json();
});
afterAll(stopAll);

function validatorFor(name: string) {
  const ajv = new (Ajv as any)({ strict: false, allErrors: true });
  addFormats(ajv as any);
  ajv.addSchema(doc, 'openapi.json');
  const v = ajv.getSchema(`openapi.json#/components/schemas/${name}`);
  if (!v) throw new Error(`no component ${name}`);
  return (value: unknown) => (v(value) ? [] : v.errors!.map((e: any) => `${e.instancePath} ${e.message}`));
}

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 with named components for every response', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Task', 'TaskList', 'TaskEvent', 'Error', 'Account', 'Voice', 'VoiceList', 'Model']));
    const ops = [
      'POST /v1/tasks', 'POST /v1/tasks/batch', 'GET /v1/tasks', 'GET /v1/tasks/{id}', 'POST /v1/tasks/{id}/cancel',
      'GET /v1/tasks/{id}/events', 'GET /v1/models', 'GET /v1/voices', 'GET /v1/account',
    ].map((name) => {
      const [m, p] = name.split(' ') as [string, string];
      return [name, doc.paths[p]?.[m.toLowerCase()]] as const;
    });
    for (const [name, op] of ops) {
      expect(op, name).toBeTruthy();
      const ok = Object.entries(op.responses ?? {}).filter(([s]) => s.startsWith('2'));
      expect(ok.length, `${name} has a 2xx response`).toBeGreaterThan(0);
      for (const [, r] of ok) {
        const schema = (Object.values(r.content ?? {})[0] as any)?.schema;
        expect(schema?.$ref, `${name} 2xx names its schema`).toMatch(/^#\/components\/schemas\//);
      }
    }
    const create = doc.paths['/v1/tasks'].post.responses;
    expect(create['202'].content['application/json'].schema.$ref).toBe('#/components/schemas/Task');
    expect(create['429'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    expect(Object.keys(doc.paths['/v1/tasks/{id}/events'].get.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it('matches what the server sends: a task in every state, a list, an event, voices, account, an error', async () => {
    const running = await genq.tasks.create({ capability: 'voice', action: 'tts', model: 'noop', input: { sleep_ms: 10_000 } }, { idempotencyKey: 'openapi-1' });
    const done = await genq.run({ capability: 'voice', action: 'tts', input: { text: 'Schema check.' } }, { timeout: 20_000 });
    const failed = await genq.tasks.create({ capability: 'voice', action: 'tts', model: 'noop', input: { fail: 'fatal' } });
    const failedDone = await genq.tasks.wait(failed.id, { timeout: 10_000 });
    const cancelled = await genq.tasks.cancel(running.id);
    const task = validatorFor('Task');
    for (const t of [running, done, failedDone, cancelled]) expect(task(t)).toEqual([]);
    expect(validatorFor('TaskList')(await genq.tasks.page({ limit: 5 }))).toEqual([]);
    for await (const e of genq.tasks.events(done.id)) expect(validatorFor('TaskEvent')(e)).toEqual([]);
    expect(validatorFor('VoiceList')(await genq.request('GET', '/v1/voices'))).toEqual([]);
    expect(validatorFor('ModelList')(await genq.request('GET', '/v1/models'))).toEqual([]);
    expect(validatorFor('Account')(await genq.account.get())).toEqual([]);
    const missing = await fetch(`${server.url}/v1/tasks/nope`, { headers: { authorization: `Bearer ${genq.http.apiKey}` } });
    expect(validatorFor('Error')(await missing.json())).toEqual([]);
  });

  it('documents the webhook endpoints, and what they send matches', async () => {
    for (const [m, p, component] of [
      ['get', '/v1/webhooks/deliveries', 'WebhookDeliveryList'], ['get', '/v1/webhooks/deliveries/{id}', 'WebhookDelivery'],
      ['post', '/v1/webhooks/deliveries/{id}/redeliver', 'WebhookDelivery'], ['post', '/v1/account/webhook-secret/rotate', 'WebhookSecretRotation'],
    ] as const) {
      const ok = doc.paths[p]?.[m]?.responses?.['200'];
      expect(ok?.content?.['application/json']?.schema?.$ref, `${m} ${p}`).toBe(`#/components/schemas/${component}`);
    }
    expect(doc.paths['/v1/webhooks/deliveries'].get.parameters.map((x: any) => x.name).sort()).toEqual(['cursor', 'limit', 'status', 'task_id']);
    // a public address that never resolves: the message stays pending with its error recorded
    const t = await genq.tasks.create({ capability: 'voice', action: 'tts', model: 'noop', input: {}, webhook: { url: 'https://genq-openapi.invalid/hook' } });
    await genq.tasks.wait(t.id, { timeout: 10_000 });
    const list = await genq.webhooks.listDeliveries({ task_id: t.id });
    expect(validatorFor('WebhookDeliveryList')(list)).toEqual([]);
    expect(list.data).toHaveLength(1);
    expect(validatorFor('WebhookDelivery')(await genq.webhooks.getDelivery(list.data[0]!.id))).toEqual([]);
    expect(validatorFor('WebhookDelivery')(await genq.webhooks.redeliver(list.data[0]!.id))).toEqual([]);
    expect(validatorFor('WebhookSecretRotation')(await genq.webhooks.rotateSecret())).toEqual([]);
  });

  it('the Task schema covers every field the renderer writes (nothing is dropped silently)', () => {
    const ajv = new (Ajv as any)({ strict: false, allErrors: true });
    addFormats(ajv as any);
    for (const s of RESPONSE_SCHEMAS) ajv.addSchema(s);
    const validate = ajv.getSchema('Task');
    const now = Date.now();
    // a task with every optional part present
    const full = {
      id: '01a20000-0000-7000-8000-000000000001', account_id: 'a', capability: 'image', action: 'generate', model: 'm', provider: 'p',
      status: 'succeeded', progress: 1, input: { prompt: 'x' },
      result: { files: [{ key: 'a/b/c.png', format: 'png', content_type: 'image/png', size_bytes: 10, duration_s: null, width: 64, height: 64 }], seed: 42 },
      error: { code: 'X', message: 'y', type: 'provider', retryable: false }, metadata: { k: 'v' },
      credits_reserved: 2, credits_used: 1, attempts: 1, max_attempts: 3, timeout_s: 60, priority: 5, idempotency_key: 'k',
      webhook: { url: 'https://example.com/h', events: ['task.succeeded'] }, dialect: 'native', created_at: now, started_at: now, completed_at: now,
      expires_at: now, run_after: now, run_id: 7, degraded: true, lease_owner: null, lease_token: null, lease_until: null, version: 3,
    };
    const rendered = renderTask(full as any, { signer: new UrlSigner('s'), baseUrl: 'http://h', fileUrlTtlS: 900, nowMs: now }, { queue_position: 3 });
    expect(validate(rendered) ? [] : validate.errors).toEqual([]);
  });
});

describe('/ and /docs', () => {
  it('serve the built pages with a strict CSP, and hashed assets gzipped with long caching', async () => {
    for (const p of ['/', '/docs']) {
      const res = await fetch(server.url + p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
      for (const a of assets) {
        const r = await fetch(server.url + a, { headers: { 'accept-encoding': 'gzip' } });
        expect(r.status, a).toBe(200);
        expect(r.headers.get('cache-control')).toMatch(/immutable/);
        expect((await r.text()).length).toBeGreaterThan(100); // fetch un-gzips it
      }
    }
    const missing = await fetch(`${server.url}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
