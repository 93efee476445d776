/**
 * In-process fan-out of task changes to long-polls, SSE streams and idle workers. Every
 * change is also a row in the store, so a listener that connects late replays from there;
 * this bus only makes the live path immediate. (A PostgreSQL deployment feeds it from
 * LISTEN/NOTIFY so api processes see workers elsewhere.)
 */
import { EventEmitter } from 'node:events';
import type { Task } from './task.js';

export interface TaskChange {
  type: string;
  task: Task;
}

export class EventBus {
  private readonly tasks = new EventEmitter();
  private readonly queue = new EventEmitter();

  constructor() {
    // thousands of concurrent long-polls are normal; they are not leaks
    this.tasks.setMaxListeners(0);
    this.queue.setMaxListeners(0);
  }

  publish(change: TaskChange): void {
    this.queue.emit('any', change);
    this.tasks.emit(change.task.id, change);
    if (change.task.status === 'queued') this.queue.emit('queued', change.task);
    if (change.type === 'task.cancelled') this.queue.emit('cancelled', change.task);
  }

  subscribe(taskId: string, fn: (c: TaskChange) => void): () => void {
    this.tasks.on(taskId, fn);
    return () => this.tasks.off(taskId, fn);
  }

  onQueued(fn: (t: Task) => void): () => void {
    this.queue.on('queued', fn);
    return () => this.queue.off('queued', fn);
  }

  /** every change, for metrics and logs */
  onAny(fn: (c: TaskChange) => void): () => void {
    this.queue.on('any', fn);
    return () => this.queue.off('any', fn);
  }

  onCancelled(fn: (t: Task) => void): () => void {
    this.queue.on('cancelled', fn);
    return () => this.queue.off('cancelled', fn);
  }
}
