/**
 * The polling example of camb-tts-task-status.md, run as written (Python, `requests`) with only
 * its base URL, API key and task id changed, against genq's /camb prefix.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, makeKey, ROOT, start, stopAll, type GenqServer } from '../../helpers/server.js';

const SEED = path.resolve(ROOT, '../shared/seeds/camb-tts-task-status.md');
const hasPython = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
const why = !fs.existsSync(SEED) ? `seed page not found at ${SEED}` : !hasPython ? 'python3 with the requests package is not installed' : null;

let server: GenqServer;
let key: string;

beforeAll(async () => {
  if (why) return;
  server = await start();
  key = (await makeKey(server.dataDir, { name: 'seed' })).key;
});
afterAll(stopAll);

describe('camb-tts-task-status.md example', () => {
  it.skipIf(why !== null)(`polls a real task to SUCCESS and prints its run_id${why ? ` (skipped: ${why})` : ''}`, async () => {
    const camb = new Api(server.url);
    const created = await camb.post('/camb/tts', { text: 'The seed example works unchanged.', voice_id: 1, language: 1 }, { headers: { 'x-api-key': key } });
    expect(created.status).toBe(200);
    const page = fs.readFileSync(SEED, 'utf8');
    const code = /```python[^\n]*\n([\s\S]*?)```/.exec(page)![1]!;
    // the only edits a user makes: base URL, key, task id
    const edited = code
      .replace('https://client.camb.ai/apis', `${server.url}/camb`)
      .replace('"your-api-key"', JSON.stringify(key))
      .replace('"your_task_id"', JSON.stringify(created.body.task_id));
    expect(edited).not.toBe(code);
    const out = execFileSync('python3', ['-c', edited], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('Task complete!');
    const runId = Number(/using run_id: (\d+)/.exec(out)![1]);
    expect(out).toContain('Proceed to download the audio file using the run_id!');
    const audio = await fetch(`${server.url}/camb/tts-result/${runId}`, { headers: { 'x-api-key': key } });
    expect(audio.headers.get('content-type')).toBe('audio/flac');
  });
});
