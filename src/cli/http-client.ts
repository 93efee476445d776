/** The CLI's small HTTP client for the native API. Errors carry the API's code and message. */
import type { ClientConfig } from '../config.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class CliClient {
  constructor(private readonly cfg: ClientConfig) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    if (!this.cfg.apiKey) {
      throw new ApiError(0, 'NO_API_KEY', 'No API key: pass --api-key sk_… or set GENQ_API_KEY (create one with `genq keys create`)');
    }
    return { authorization: `Bearer ${this.cfg.apiKey}`, ...extra };
  }

  async request<T = any>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.cfg.url + path, {
        method,
        headers: this.headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'UNREACHABLE', `Cannot reach genq at ${this.cfg.url} (${(e as Error).cause ?? (e as Error).message}). Is \`genq serve\` running?`);
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? text);
    return json as T;
  }

  /** follows a task's SSE stream, calling back on each event, until it ends */
  async follow(id: string, onEvent: (e: { type: string; task: any }) => void): Promise<void> {
    const res = await fetch(`${this.cfg.url}/v1/tasks/${id}/events`, { headers: this.headers({ accept: 'text/event-stream' }) });
    if (!res.ok || !res.body) throw new ApiError(res.status, `HTTP_${res.status}`, await res.text());
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let idx;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) onEvent(JSON.parse(data));
      }
    }
  }

  async download(url: string): Promise<Uint8Array> {
    const res = await fetch(url);
    if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `download failed: ${await res.text()}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
