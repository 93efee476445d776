/**
 * One fuzzing session against one server: sends each hostile request, holds its answer to every
 * invariant, keeps the books (accepted tasks, secrets the fuzzer stored itself, error bodies
 * outside their dialect's shape) and runs fast-check properties under a seed and a time share.
 */
import fc from 'fast-check';
import type { GenqServer } from '../helpers/server.js';
import {
  assertNoFault, assertNoLeak, checkErrorShape, createdIds, describeRequest, isObj, parseJson, secretsIn, send, sendRaw, ServerFault,
  type HostileRequest, type HostileResponse, type ShapeDeviation,
} from './hostile-http.js';
import type { Ledger, Victim } from './hostile-support.js';
import { ROUTES, type RouteSpec } from './routes.js';

export interface FuzzSettings {
  seed: number;
  /** multiplies run counts and time shares */
  scale: number;
  /** multiplies time shares; 0 = no time bound */
  budgetFactor: number;
  shrink: boolean;
}

const CANCEL = ROUTES.find((x) => x.url === '/v1/tasks/:id/cancel')!;

export class HostileSession {
  /** secrets the fuzzer itself stored in an accepted request: they may come back, rightly, in its own tasks */
  readonly tainted = new Set<string>();
  /** tasks accepted from fuzz requests, by id */
  readonly accepted = new Set<string>();
  /** accepted CAMB.AI /tts-stream tasks, whose ids are not answered */
  hiddenAccepted = 0;
  readonly deviations: ShapeDeviation[] = [];
  private readonly propertyRuns: string[] = [];
  private readonly stats = { requests: 0, raw: 0, byStatus: new Map<number, number>(), acceptedCreates: 0, maxMs: 0, slowest: '', totalMs: 0 };

  constructor(private readonly server: GenqServer, private readonly victim: Victim, private readonly ledger: Ledger, readonly settings: FuzzSettings) {}

  runs(n: number): number {
    return Math.max(1, Math.round(n * this.settings.scale));
  }

  /**
   * Runs a property with seed settings.seed + offset, without shrinking unless asked (each shrink
   * step is a live request). On a loaded machine it stops at its time share (`budgetS`) rather
   * than at numRuns; how many runs it made goes into the summary either way.
   */
  async check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, numRuns: number, offset: number, budgetS: number): Promise<void> {
    const { seed: base, scale, budgetFactor, shrink } = this.settings;
    const seed = base + offset;
    const t0 = performance.now();
    const out = await fc.check(fc.asyncProperty(arb, predicate), {
      seed, numRuns: this.runs(numRuns), endOnFailure: !shrink,
      ...(budgetFactor > 0 ? { interruptAfterTimeLimit: budgetS * budgetFactor * scale * 1000 } : {}),
    });
    this.propertyRuns.push(`${name}: ${out.numRuns}/${this.runs(numRuns)} runs${out.interrupted ? ' (time share used up)' : ''}, seed ${seed}, ${Math.round(performance.now() - t0)} ms`);
    if (out.failed) throw new Error(`${name} failed (replay: FUZZ_SEED=${base}, property seed ${seed}, path "${out.counterexamplePath}")\n${await fc.asyncDefaultReportMessage(out)}`);
  }

  /**
   * Sends one request and holds the answer to every invariant. A 2xx create is accounted for and
   * its task cancelled at once (unless `keep`), so accepted fuzz tasks do not keep the worker busy.
   */
  async exchange(route: RouteSpec | null, r: HostileRequest, validKey: boolean, opt: { keep?: boolean } = {}): Promise<HostileResponse> {
    const tasksBefore = this.ledger.tasks();
    const uploadsBefore = route?.creates === 'upload' ? this.ledger.uploads() : 0;
    const res = await send(this.server.port, r, { timeoutMs: route?.sync ? 75_000 : 20_000 });
    this.count(res, r);

    assertNoFault(r, res);
    assertNoLeak(r, res, this.victim.secrets, this.tainted);
    checkErrorShape(r, res, this.deviations);
    const ok = res.status >= 200 && res.status < 300;
    const fault = (what: string) => new ServerFault(`${what}\n--- request\n${describeRequest(r)}\n--- answer ${res.status}\n${res.text.slice(0, 600)}`);
    if (ok && route?.auth && !validKey) throw fault('answered 2xx on an authenticated route without a valid key');

    const written = this.ledger.tasks() - tasksBefore;
    if (!ok && written !== 0) throw fault(`refused with ${res.status}, yet ${written} task(s) were written`);
    if (route?.creates === 'upload' && res.status !== 201 && this.ledger.uploads() !== uploadsBefore) throw fault('refused an upload, yet a file was stored');
    if (!ok) return res;
    for (const s of secretsIn(r, this.victim.secrets)) this.tainted.add(s);
    if (written === 0) return res;
    const max = route?.creates === 'tasks' ? 1000 : route?.creates === 'task' || route?.creates === 'hidden-task' ? 1 : 0;
    if (written > max) throw fault(`${route ? `${route.method} ${route.url}` : 'this request'} may write ${max} task(s), yet wrote ${written}`);
    this.stats.acceptedCreates++;
    if (route?.creates === 'hidden-task') {
      this.hiddenAccepted += written;
      return res;
    }
    const ids = route ? createdIds(route.dialect, route.url, parseJson(res.text)) : [];
    if (ids.length !== written) throw fault(`wrote ${written} task(s) but named ${ids.length} in the answer`);
    for (const id of ids) {
      this.accepted.add(id);
      if (!opt.keep) await this.cancel(id, r.headers);
    }
    return res;
  }

  /**
   * Writes raw bytes (node:net) and holds whatever comes back to the same invariants: no 5xx
   * status line, no stack trace, no secret, and no task unless a 2xx answered (then it is
   * accounted for like any other).
   */
  async exchangeRaw(label: string, bytes: Buffer, creatorKey: string): Promise<void> {
    const tasksBefore = this.ledger.tasks();
    const out = await sendRaw(this.server.port, bytes);
    this.stats.raw++;
    const statuses = [...out.raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
    const r: HostileRequest = { method: 'RAW', path: label, headers: {}, body: bytes };
    const asResponse: HostileResponse = { status: statuses.find((s) => s >= 500) ?? statuses[0] ?? 400, headers: {}, text: out.raw, contentType: '', truncated: false, ms: 0 };
    assertNoFault(r, asResponse);
    assertNoLeak(r, asResponse, this.victim.secrets, this.tainted);
    const written = this.ledger.tasks() - tasksBefore;
    if (written === 0) return;
    if (!statuses.some((s) => s >= 200 && s < 300)) throw new ServerFault(`refused on the wire (${statuses.join(',') || 'no answer'}), yet ${written} task(s) were written\n${describeRequest(r)}`);
    // a fine request after all: find its task id in the answer
    const at = out.raw.search(/HTTP\/1\.[01] 2\d\d/);
    const body = parseJson(out.raw.slice(out.raw.indexOf('\r\n\r\n', at) + 4));
    const id = isObj(body) ? (body.id ?? body.task_id ?? body.taskId) : undefined;
    if (typeof id !== 'string') throw new ServerFault(`a raw request wrote a task but its answer names none: ${out.raw.slice(0, 400)}`);
    this.accepted.add(id);
    this.stats.acceptedCreates++;
    await this.cancel(id, { authorization: `Bearer ${creatorKey}` });
  }

  /** Cancels an accepted fuzz task (200), unless it already finished (409), with the key that created it. */
  private async cancel(id: string, creator: Record<string, string>): Promise<void> {
    const auth = Object.fromEntries(Object.entries(creator).filter(([k]) => k === 'authorization' || k === 'x-api-key'));
    const res = await this.exchange(CANCEL, { method: 'POST', path: `/v1/tasks/${id}/cancel`, headers: auth }, true);
    if (res.status !== 200 && res.status !== 409) throw new ServerFault(`cancel of accepted task ${id} answered ${res.status}: ${res.text.slice(0, 300)}`);
  }

  private count(res: HostileResponse, r: HostileRequest): void {
    const s = this.stats;
    s.requests++;
    s.totalMs += res.ms;
    s.byStatus.set(res.status, (s.byStatus.get(res.status) ?? 0) + 1);
    if (res.ms > s.maxMs) [s.maxMs, s.slowest] = [res.ms, `${r.method} ${r.path.slice(0, 80)}`];
  }

  summary(): string {
    const s = this.stats;
    const statuses = [...s.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}:${n}`).join(' ');
    return `seed ${this.settings.seed} scale ${this.settings.scale}: ${s.requests} HTTP requests + ${s.raw} raw-socket requests; statuses ${statuses}; ` +
      `${s.acceptedCreates} accepted creates (${this.hiddenAccepted} without an id); slowest ${Math.round(s.maxMs)} ms (${s.slowest}); ` +
      `mean ${Math.round(s.totalMs / Math.max(1, s.requests))} ms; ${this.tainted.size} victim ids stored by the fuzzer itself; ` +
      `${this.deviations.length} error bodies outside their dialect's shape\n  ${this.propertyRuns.join('\n  ')}`;
  }
}
