/**
 * The CLI's client commands end to end against the real server: --json output for scripts,
 * progress (a bar on a terminal, status lines otherwise), and errors that say what to do.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, cli, freePort, makeKey, start, stopAll, tempDir, type GenqServer } from '../helpers/server.js';

const execFileP = promisify(execFile);
let server: GenqServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  env = { GENQ_URL: server.url, GENQ_API_KEY: (await makeKey(server.dataDir, { name: 'cli', credits: 1000 })).key };
});
afterAll(stopAll);

const json = (s: string) => JSON.parse(s.trim()) as any;

describe('--json for scripts', () => {
  it('tts writes the audio and prints one JSON object', async () => {
    const out = path.join(tempDir(), 'hi.wav');
    const r = await cli(['tts', 'Hello from the command line.', '-o', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const o = json(r.stdout);
    expect(o).toMatchObject({ output: out, format: 'wav', content_type: 'audio/wav' });
    const wav = fs.readFileSync(out);
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.length).toBe(o.size_bytes);

  });

  it('tasks create / wait / list / cancel, voices, models and account all speak JSON', async () => {
    const created = json((await cli(['tasks', 'create', '--capability', 'voice', '--action', 'tts', '--model', 'noop', '--input', '{"sleep_ms":300}', '--metadata', '{"from":"cli"}', '--json'], env)).stdout);
    expect(created).toMatchObject({ object: 'task', metadata: { from: 'cli' } });
    const waited = json((await cli(['tasks', 'wait', created.id, '--json'], env)).stdout);
    expect(waited).toMatchObject({ id: created.id, status: 'succeeded' });
    const list = json((await cli(['tasks', 'list', '--limit', '1', '--json'], env)).stdout);
    expect(list).toMatchObject({ object: 'list', has_more: true });
    expect(list.data).toHaveLength(1);

    const slow = json((await cli(['tasks', 'create', '--capability', 'voice', '--action', 'tts', '--model', 'noop', '--input', '{"sleep_ms":20000}', '--json'], env)).stdout);
    expect(json((await cli(['tasks', 'cancel', slow.id, '--json'], env)).stdout).status).toBe('cancelled');

    const [voices, models, account] = await Promise.all([['voices', '--language', 'de-DE'], ['models'], ['account']].map((a) => cli([...a, '--json'], env)));
    expect(json(voices!.stdout).every((v: any) => v.language === 'de-DE')).toBe(true);
    expect(json(models!.stdout).map((m: any) => m.id)).toContain('espeak-ng');
    expect(json(account!.stdout)).toMatchObject({ object: 'account', name: 'cli' });
  });
});

describe('progress', () => {
  it('prints one line per status change when stderr is not a terminal', async () => {
    const r = await cli(['tasks', 'create', '--capability', 'voice', '--action', 'tts', '--model', 'noop', '--input', '{"sleep_ms":600,"steps":3}', '--wait'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^task [0-9a-f-]{36}\n/);
    expect(r.stderr).toMatch(/running[\s\S]*succeeded/);
    expect(r.stdout).toMatch(/succeeded/);
  });

  it('draws a progress bar on a terminal', async () => {
    // `script` gives the CLI a pseudo-terminal, as a person's shell would
    const out = path.join(tempDir(), 'bar.wav');
    const cmd = [process.execPath, CLI, 'tts', 'A progress bar, on a real terminal.', '-o', out].map((a) => `'${a}'`).join(' ');
    const { stdout } = await execFileP('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 });
    expect(stdout).toMatch(/[█░]{10,}/);
    expect(stdout).toMatch(/100% \| succeeded/);
    expect(stdout).toMatch(/wrote .*bar\.wav/);
  });

  it('a bounded wait says how to pick the task up again', async () => {
    const slow = json((await cli(['tasks', 'create', '--capability', 'voice', '--action', 'tts', '--model', 'noop', '--input', '{"sleep_ms":5000}', '--json'], env)).stdout);
    const r = await cli(['tasks', 'wait', slow.id, '--timeout', '0.5'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`genq tasks wait ${slow.id}`);
    expect(r.stderr).toMatch(/keeps running/);
  });
});

describe('helpful errors', () => {
  it('names the code and what to do; with --json, stdout stays empty and stderr is JSON', async () => {
    const [missing, badKey, down, noKey, badInput, badJson] = await Promise.all([
      cli(['tasks', 'get', 'nope', '--json'], env),
      cli(['account'], { ...env, GENQ_API_KEY: 'sk_wrong' }),
      freePort().then((port) => cli(['account'], { ...env, GENQ_URL: `http://127.0.0.1:${port}` })),
      cli(['voices'], { GENQ_URL: server.url }),
      cli(['tts', 'x', '--speed', '9'], env),
      cli(['tasks', 'create', '--capability', 'voice', '--action', 'tts', '--input', '{text'], env),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(json(missing.stderr)).toMatchObject({ error: { code: 'TASK_NOT_FOUND', status: 404, hint: expect.stringContaining('genq tasks list') } });

    expect(badKey.stderr).toMatch(/^error: UNAUTHORIZED: .*\nhint: Check --api-key or GENQ_API_KEY/);

    expect(down.stderr).toMatch(/error: CONNECTION_ERROR: Cannot reach genq at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\nhint: Is `genq serve` running there\?/);

    expect(noKey.stderr).toMatch(/No API key: pass --api-key/);

    expect(badInput.stderr).toMatch(/error: INVALID_INPUT: "speed" must be between 0.5 and 2.0[\s\S]*details: \{"field":"speed"\}/);

    expect(badJson.stderr).toMatch(/--input must be a JSON object/);
  });
});
