/**
 * Contract tests against the real server: a task in each status a task can reach (queued,
 * running, succeeded, failed, timed out, cancelled, expired) is read through every dialect's
 * status endpoint and native, and each answer has every field of its seed page, with the
 * documented type and format. (Payment-required is unit-tested: the core does not yet refuse
 * work for lack of credits.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, makeKey, start, stopAll, waitFor, type GenqServer } from '../../helpers/server.js';
import { expectEverywhere } from './shapes.js';

let server: GenqServer;
let api: Api;

beforeAll(async () => {
  // one worker slot, so a long task holds the queue still while we look at it
  server = await start({ env: { GENQ_ENABLE_NOOP: '1', GENQ_CONCURRENCY: '1', GENQ_RETRY_BASE_MS: '50' } });
  api = new Api(server.url, (await makeKey(server.dataDir)).key);
});
afterAll(stopAll);

describe('every status through every dialect', () => {
  it('running, queued, cancelled and expired while one task holds the only worker', async () => {
    const blocker = (await api.noop({ sleep_ms: 4000, steps: 4 })).id;
    await waitFor(async () => (await api.task(blocker)).status === 'running', { what: 'blocker to run' });
    const queued = (await api.noop()).id;
    const doomed = (await api.noop({}, { queue_ttl_s: 1 })).id;
    const cancelled = (await api.noop()).id;
    expect((await api.post(`/v1/tasks/${cancelled}/cancel`)).status).toBe(200);

    await expectEverywhere(api, blocker, 'running');
    await expectEverywhere(api, queued, 'queued');
    await expectEverywhere(api, cancelled, 'cancelled');
    expect((await api.waitTerminal(doomed, 8000)).status).toBe('expired');
    await expectEverywhere(api, doomed, 'expired');
    expect((await api.waitTerminal(blocker, 10_000)).status).toBe('succeeded');
    expect((await api.waitTerminal(queued, 10_000)).status).toBe('succeeded');
  });

  it('succeeded with an audio file, failed and timed out', async () => {
    const spoken = (await api.create({ capability: 'voice', action: 'tts', input: { text: 'Contract test.' } })).id;
    const failed = (await api.noop({ fail: 'fatal' })).id;
    const timedOut = (await api.noop({ sleep_ms: 5000 }, { timeout_s: 1 })).id;
    for (const [id, s] of [[spoken, 'succeeded'], [failed, 'failed'], [timedOut, 'timed_out']] as const) {
      expect((await api.waitTerminal(id, 20_000)).status).toBe(s);
      await expectEverywhere(api, id, s);
    }
  });
});
