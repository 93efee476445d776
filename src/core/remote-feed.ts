/**
 * Feeds the in-process EventBus from what other processes wrote (the store's change
 * subscription: PostgreSQL LISTEN/NOTIFY). A notification carries only id, status and type,
 * so a task is read back only when someone here cares: a long-poll or SSE stream waiting on
 * it, or a cancellation that a local worker may have to act on. Queued work is a bare wake-up.
 */
import type { Store, RemoteChanges } from '../store/store.js';
import type { EventBus } from './event-bus.js';
import type { Logger } from '../providers/provider.js';

export function feedRemoteChanges(store: Store, bus: EventBus, log: Logger): () => void {
  return store.subscribeChanges((c: RemoteChanges) => {
    void apply(store, bus, c).catch((err) => log.warn({ err: String(err) }, 'could not load remotely changed tasks'));
  });
}

async function apply(store: Store, bus: EventBus, c: RemoteChanges): Promise<void> {
  // after a lost connection nothing is known: wake the workers and re-check every waiter
  const resync = c === 'resync';
  if (resync || c.wake || c.changes.some((x) => x.status === 'queued')) bus.wake();
  const latest = new Map<string, string>();
  if (resync) for (const id of bus.subscribedIds()) latest.set(id, 'task.resync');
  else for (const x of c.changes) if (bus.hasSubscribers(x.id) || x.status === 'cancelled') latest.set(x.id, x.type);
  await Promise.all(
    [...latest].map(async ([id, type]) => {
      const task = await store.getTask(id);
      if (task) bus.publish({ type: type === 'task.resync' ? `task.${task.status}` : type, task, remote: true });
    }),
  );
}
