/**
 * Fixtures of the hostile-input suite: a victim account with a task in every interesting state,
 * a saved voice, an upload and signed file URLs (all of it secret from everyone else), a fuzzing
 * account with a few tasks of its own, and a ledger that reads the server's SQLite file directly
 * so that every single answer can be checked for tasks it should not have written.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Api, makeKey, start, type CreatedKey, type GenqServer, type Task } from '../helpers/server.js';

/** The fuzzing server's body limit: small, so "just over the limit" costs little to send. */
export const BODY_LIMIT = 16 * 1024;

export function startFuzzServer(): Promise<GenqServer> {
  return start({ env: { GENQ_ENABLE_NOOP: '1', GENQ_BODY_LIMIT_BYTES: String(BODY_LIMIT), GENQ_CONCURRENCY: '4' } });
}

/** A mono 16-bit PCM WAV of a 180 Hz tone: real audio for uploads and templates. */
export function wav(ms = 600, rate = 16_000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 180 * i) / rate)), 44 + i * 2);
  return b;
}

async function upload(api: Api, bytes: Buffer): Promise<string> {
  const res = await fetch(`${api.baseUrl}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${api.key}`, 'content-type': 'audio/wav' }, body: bytes });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201 || !body.id) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

async function cambTts(api: Api, text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api.post('/camb/tts', { text, voice_id: 3, language: 1, ...extra }, { headers: { 'x-api-key': api.key! } });
  if (r.status !== 200) throw new Error(`camb /tts answered ${r.status}: ${r.text}`);
  return r.body.task_id as string;
}

export interface Victim {
  key: CreatedKey;
  api: Api;
  /** value → what it is; none may reach anyone else */
  secrets: Map<string, string>;
  /** the subset of secrets the fuzzer sends about (ids, not metadata strings) */
  injectable: string[];
  taskIds: string[];
  runIds: number[];
  voiceIds: string[];
  uploadId: string;
  idempotencyKey: string;
  fileUrls: string[];
  /** the victim's tasks as they were before the fuzzing, by id */
  before: Map<string, Task>;
  runningId: string;
}

/** The victim: one task of each kind and state, a designed voice, an upload; waits until all but one are finished. */
export async function seedVictim(server: GenqServer): Promise<Victim> {
  const tag = crypto.randomBytes(6).toString('hex');
  const key = await makeKey(server.dataDir, { name: `victim-${tag}`, credits: 1000 });
  const api = new Api(server.url, key.key);
  const meta = `victim-metadata-${tag}`;
  const projectName = `victim-project-${tag}`;
  const text = `victim text ${tag}`;
  const voiceName = `victim voice ${tag}`;
  const idempotencyKey = `victim-idem-${tag}`;

  const done = (await api.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: { write_file: true, text }, metadata: { tag: meta } }, { headers: { 'idempotency-key': idempotencyKey } })).body as Task;
  const running = await api.noop({ sleep_ms: 600_000 }, { metadata: { tag: meta } });
  const failed = await api.noop({ fail: 'fatal' }, { metadata: { tag: meta } });
  const ttsId = await cambTts(api, 'victim speech', { project_name: projectName });
  const design = await api.create({ capability: 'voice', action: 'design', input: { description: 'a calm old man', text: 'Hello there.', name: voiceName }, metadata: { tag: meta } });
  const uploadId = await upload(api, wav());

  const finished = await Promise.all([done.id, failed.id, ttsId, design.id].map((id) => api.waitTerminal(id, 60_000)));
  for (const t of finished) if (t.status !== (t.id === failed.id ? 'failed' : 'succeeded')) throw new Error(`victim task ${t.id} ended ${t.status}: ${JSON.stringify(t.error)}`);
  const runningNow = await api.task(running.id);
  const voices = ((await api.get('/v1/voices')).body.data as Array<{ id: string; owner: string }>).filter((v) => v.owner === 'account').map((v) => v.id);
  if (voices.length === 0) throw new Error('the victim has no saved voice');

  const fileUrls = finished.flatMap((t) => t.result?.files.map((f) => f.url) ?? []);
  const secrets = new Map<string, string>([
    [key.account_id, 'account id'], [key.key, 'API key'], [key.key_id, 'key id'], [key.webhook_secret, 'webhook secret'],
    [meta, 'metadata string'], [projectName, 'CAMB.AI project name'], [text, 'task text'], [voiceName, 'voice name'],
    [idempotencyKey, 'idempotency key'], [uploadId, 'upload id'],
  ]);
  const taskIds = [done.id, running.id, failed.id, ttsId, design.id];
  for (const id of taskIds) secrets.set(id, 'task id');
  for (const v of voices) secrets.set(v, 'voice id');
  for (const u of fileUrls) {
    const url = new URL(u);
    secrets.set(url.searchParams.get('sig')!, 'file URL signature');
    secrets.set(decodeURIComponent(url.pathname.slice('/files/'.length)), 'file key');
  }
  const before = new Map([...finished, runningNow].map((t) => [t.id, t]));
  return {
    key, api, secrets, injectable: [...taskIds, ...voices, uploadId, idempotencyKey], taskIds,
    runIds: finished.map((t) => t.run_id as number), voiceIds: voices, uploadId, idempotencyKey, fileUrls, before, runningId: running.id,
  };
}

export interface Fuzzer {
  key: CreatedKey;
  api: Api;
  taskIds: string[];
  runIds: number[];
  uploadId: string;
  fileUrl: string;
  /** a second fuzzing account, without credits */
  poor: { key: CreatedKey; api: Api };
}

/** The fuzzing account's own finished tasks (one with a file, one failed, one CAMB.AI run), an upload, and a second account without credits. */
export async function seedFuzzer(server: GenqServer): Promise<Fuzzer> {
  const key = await makeKey(server.dataDir, { name: 'fuzzer', credits: 1_000_000 });
  const api = new Api(server.url, key.key);
  const done = await api.noop({ write_file: true, text: 'fuzzer file' });
  const failed = await api.noop({ fail: 'fatal' });
  const ttsId = await cambTts(api, 'fuzzer speech');
  const uploadId = await upload(api, wav());
  const finished = await Promise.all([done.id, failed.id, ttsId].map((id) => api.waitTerminal(id, 60_000)));
  const poorKey = await makeKey(server.dataDir, { name: 'fuzzer-poor', credits: 0 });
  return {
    key, api, taskIds: finished.map((t) => t.id), runIds: finished.map((t) => t.run_id as number), uploadId, fileUrl: finished[0]!.result!.files[0]!.url,
    poor: { key: poorKey, api: new Api(server.url, poorKey.key) },
  };
}

/**
 * Reads the server's own SQLite file (read-only, WAL: it sees every committed write) to count
 * tasks around each request. A task is durable before its id is answered, so a count taken after
 * the answer is exact for everything that request did.
 */
export class Ledger {
  private readonly db: Database.Database;
  private readonly countStmt: Database.Statement;

  constructor(private readonly dataDir: string) {
    this.db = new Database(path.join(dataDir, 'genq.db'), { readonly: true, fileMustExist: true });
    this.countStmt = this.db.prepare('SELECT count(*) AS n FROM tasks');
  }

  tasks(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  tasksOf(accountId: string): Array<{ id: string; dialect: string; status: string }> {
    return this.db.prepare('SELECT id, dialect, status FROM tasks WHERE account_id = ? ORDER BY run_id').all(accountId) as Array<{ id: string; dialect: string; status: string }>;
  }

  voicesOf(accountId: string): string[] {
    return (this.db.prepare('SELECT id FROM voices WHERE account_id = ?').all(accountId) as Array<{ id: string }>).map((r) => r.id);
  }

  /** Files under <data>/files/<account>/uploads, for every account. */
  uploads(): number {
    const root = path.join(this.dataDir, 'files');
    if (!fs.existsSync(root)) return 0;
    let n = 0;
    for (const account of fs.readdirSync(root)) {
      const dir = path.join(root, account, 'uploads');
      if (fs.existsSync(dir)) n += fs.readdirSync(dir).length;
    }
    return n;
  }

  close(): void {
    this.db.close();
  }
}

/** Every file below `dir`, relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out;
}

