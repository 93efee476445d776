/**
 * A tiny loopback HTTP server in front of genq, for what the real server will not do on
 * demand (yet): answer 429/503 with Retry-After, drop a connection, ignore `Prefer: wait`.
 * Each request goes to `decide`, which either answers itself or forwards to genq.
 */
import http from 'node:http';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export type Decision =
  | { kind: 'forward'; dropRequestHeaders?: string[]; dropResponseHeaders?: string[]; cutSseAfterEvents?: number; destroyAfterResponse?: boolean }
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'destroy' };

export interface Proxy {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export async function startProxy(target: string, decide: (req: Seen, index: number) => Decision): Promise<Proxy> {
  const seen: Seen[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, at: Date.now() };
    const d = decide(s, seen.length);
    seen.push(s);
    if (d.kind === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (d.kind === 'answer') {
      res.writeHead(d.status, { 'content-type': 'application/json', ...d.headers });
      res.end(d.body ?? '');
      return;
    }
    const headers = { ...req.headers };
    for (const h of d.dropRequestHeaders ?? []) delete headers[h];
    const up = http.request(new URL(req.url!, target), { method: req.method, headers }, (upRes) => {
      const out = { ...upRes.headers };
      for (const h of d.dropResponseHeaders ?? []) delete out[h];
      if (d.destroyAfterResponse) {
        // the request reached genq and was done, but the client never hears back
        upRes.resume();
        upRes.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(upRes.statusCode!, out);
      let text = '';
      let cut = false;
      upRes.on('data', (chunk: Buffer) => {
        if (d.cutSseAfterEvents === undefined) return void res.write(chunk);
        if (cut) return;
        text += chunk.toString('utf8');
        // the end of the n-th complete event (a block with an id), then the connection drops
        let end = 0;
        let events = 0;
        for (const block of text.split('\n\n').slice(0, -1)) {
          end += block.length + 2;
          if (/^id: /m.test(block) && ++events === d.cutSseAfterEvents) {
            cut = true;
            upRes.destroy();
            res.write(text.slice(0, end), () => setTimeout(() => req.socket.destroy(), 20));
            return;
          }
        }
      });
      upRes.on('end', () => res.end());
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    seen,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
