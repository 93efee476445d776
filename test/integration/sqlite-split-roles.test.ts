/**
 * An api process and a worker process sharing one SQLite file: the worker learns of new tasks
 * and the api's long-poll and SSE learn of the worker's transitions through the store's change
 * feed, promptly — not only when a long-poll times out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, CLI, makeKey, readSse, start, stopAll, tempDir } from '../helpers/server.js';

const workers: ChildProcess[] = [];
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await stopAll();
});

describe('--role api + --role worker on one SQLite file', () => {
  it('long-poll and SSE on the api see the worker finish a task at once', async () => {
    const dataDir = tempDir();
    const env = { GENQ_ENABLE_NOOP: '1' };
    const api = await start({ dataDir, env: { ...env, GENQ_ROLE: 'api' } });
    const worker = spawn(process.execPath, [CLI, 'serve', '--role', 'worker', '--data-dir', dataDir], {
      env: { ...process.env, ...env }, stdio: 'ignore',
    });
    workers.push(worker);
    const key = await makeKey(dataDir);
    const client = new Api(api.url, key.key);

    const created = await client.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: { sleep_ms: 300 } });
    expect(created.status).toBe(202);
    const t0 = Date.now();
    const done = await client.get(`/v1/tasks/${created.body.id}`, { headers: { prefer: 'wait=20' } });
    expect(done.body.status).toBe('succeeded');
    // the worker's start-up and the task's 300 ms fit well inside this; a missed change would hold until 20 s
    expect(Date.now() - t0).toBeLessThan(10_000);

    const second = await client.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: { sleep_ms: 200 } });
    const sse = await readSse(`${api.url}/v1/tasks/${second.body.id}/events`, { authorization: `Bearer ${key.key}` }, { timeoutMs: 10_000 });
    expect(sse.ended).toBe(true);
    expect(sse.events.map((e) => e.event)).toEqual(expect.arrayContaining(['task.running', 'task.succeeded']));
    expect(sse.events[sse.events.length - 1]!.event).toBe('task.succeeded');
  });
});
