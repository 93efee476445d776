/** Prometheus metrics: request rate and latency per route, task transitions, queue depth. */
import client from 'prom-client';
import type { EventBus } from '../core/event-bus.js';
import type { Store } from '../store/store.js';

export class Metrics {
  readonly registry = new client.Registry();
  readonly requests: client.Histogram<'method' | 'route' | 'status'>;
  private readonly transitions: client.Counter<'status'>;
  /** one histogram series per method, route and status, looked up once (labels() hashes its arguments on every call) */
  private readonly requestSeries = new Map<string, client.Histogram.Internal<'method' | 'route' | 'status'>>();

  /** Records one request's latency. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const k = `${status} ${method} ${route}`;
    let series = this.requestSeries.get(k);
    if (!series) {
      series = this.requests.labels(method, route, String(status));
      // routes and statuses are few; methods come from clients, so the table stops growing at some point
      if (this.requestSeries.size < 1000) this.requestSeries.set(k, series);
    }
    series.observe(seconds);
  }

  constructor(store: Store, bus: EventBus) {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'genq_' });
    this.requests = new client.Histogram({
      name: 'genq_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60], registers: [this.registry],
    });
    this.transitions = new client.Counter({
      name: 'genq_task_transitions_total', help: 'Task state changes, by the state entered', labelNames: ['status'], registers: [this.registry],
    });
    bus.onAny((c) => {
      if (c.type !== 'task.progress' && !c.remote) this.transitions.inc({ status: c.task.status });
    });
    const depth = new client.Gauge({ name: 'genq_queue_depth', help: 'Tasks waiting, by model', labelNames: ['model', 'state'], registers: [this.registry] });
    const oldest = new client.Gauge({ name: 'genq_queue_oldest_wait_seconds', help: 'Age of the oldest queued task, by model', labelNames: ['model'], registers: [this.registry] });
    // read at scrape time so the gauges are never stale
    this.collectQueue = async () => {
      depth.reset();
      oldest.reset();
      for (const s of await store.queueStats()) {
        depth.set({ model: s.model, state: 'queued' }, Number(s.queued));
        depth.set({ model: s.model, state: 'running' }, Number(s.running));
        if (s.oldest_queued_at !== null) oldest.set({ model: s.model }, (Date.now() - Number(s.oldest_queued_at)) / 1000);
      }
    };
  }

  readonly collectQueue: () => Promise<void>;

  async render(): Promise<{ contentType: string; body: string }> {
    await this.collectQueue();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
