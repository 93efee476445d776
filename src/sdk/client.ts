/**
 * `new Genq({ baseUrl, apiKey })`: the TypeScript client of genq's native API. Runs in
 * browsers and in Node 18+ (anything with fetch and ReadableStream); no Node-only imports.
 */
import { GenqTaskFailedError } from './errors.js';
import { HttpClient, type GenqOptions, type RequestOptions } from './http.js';
import { AccountResource, Models, Uploads, Voices } from './resources.js';
import { Tasks, type CreateOptions, type WaitOptions } from './tasks.js';
import { isTerminal, type Task, type TaskCreateParams } from './types.js';
import { Webhooks } from './webhooks.js';

export interface RunOptions extends CreateOptions, Omit<WaitOptions, 'signal'> {
  /**
   * Called with the new task before any waiting starts (awaited if it returns a promise):
   * store `task.id` here, and a timeout or a crash while waiting never loses the task.
   */
  onCreated?: (task: Task) => void | Promise<void>;
}

export class Genq {
  readonly http: HttpClient;
  readonly tasks: Tasks;
  readonly voices: Voices;
  readonly models: Models;
  readonly account: AccountResource;
  readonly uploads: Uploads;
  readonly webhooks: Webhooks;

  constructor(options: GenqOptions = {}) {
    this.http = new HttpClient(options);
    this.tasks = new Tasks(this.http);
    this.voices = new Voices(this.http);
    this.models = new Models(this.http);
    this.account = new AccountResource(this.http);
    this.uploads = new Uploads(this.http);
    this.webhooks = new Webhooks(this.http);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /**
   * Creates a task, hands it to `onCreated`, then waits for it. Resolves with the succeeded
   * task; throws GenqTaskFailedError if it ends otherwise (its `code` is the task's error
   * code), GenqTimeoutError after `timeout` (the task keeps running: `err.taskId`).
   */
  async run(params: TaskCreateParams, opts: RunOptions = {}): Promise<Task> {
    const { onCreated, idempotencyKey, signal, ...wait } = opts;
    const created = await this.tasks.create(params, { idempotencyKey, signal });
    await onCreated?.(created);
    const done = isTerminal(created.status) ? created : await this.tasks.wait(created.id, { ...wait, signal });
    if (done.status !== 'succeeded') throw new GenqTaskFailedError(done);
    return done;
  }

  /**
   * Any other endpoint, with the same authentication, errors and retries:
   * `genq.request<MyType>('GET', '/v1/…')` (untyped unless you give it a type).
   */
  request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return this.http.json<T>(method, path, opts);
  }
}
