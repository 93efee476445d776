/**
 * Guard for the hostile-input suite: its route table (routes.ts) must name every route the
 * server has. The server is built in-process (api/server.ts, with a stub context: building the
 * route tree reads only configuration) on a Fastify whose onRoute hook records every route, so a
 * route added to any native, dialect, file, ops or web module and not to the table fails here.
 */
import { describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { ROUTES, routeKey } from './routes.js';

const registered = vi.hoisted(() => [] as Array<{ method: string; url: string }>);

vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>();
  const make = mod.default as unknown as (opts: unknown) => FastifyInstance;
  const recording = (opts: unknown) => {
    const app = make(opts);
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) registered.push({ method, url: r.url });
    });
    return app;
  };
  return { ...mod, default: recording };
});

const { buildServer } = await import('../../src/api/server.js');
const { loadConfig } = await import('../../src/config.js');
type Ctx = Parameters<typeof buildServer>[0];

describe('the hostile-input route table', () => {
  it('covers every route the server registers, and names none it does not', async () => {
    // the real configuration, so every part of the server that reads it registers its routes
    const ctx = { config: loadConfig({}, {}) } as unknown as Ctx;
    const app = await buildServer(ctx, pino({ level: 'silent' }));
    await app.ready();
    await app.close();
    // HEAD is added by Fastify for every GET and answered by the same handler
    const server = [...new Set(registered.filter((r) => r.method !== 'HEAD').map(routeKey))].sort();
    const table = ROUTES.map(routeKey).sort();
    expect(server.length).toBeGreaterThan(40);
    expect(server.filter((r) => !table.includes(r)), 'routes the fuzzer does not know: add them to test/security/routes.ts').toEqual([]);
    expect(table.filter((r) => !server.includes(r)), 'routes in the table the server no longer has').toEqual([]);
  });
});
