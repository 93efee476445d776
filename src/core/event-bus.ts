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
  /** written by another process (PostgreSQL LISTEN/NOTIFY); that process counts it in its own metrics */
  remote?: boolean;
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
    if (change.task.status === 'queued') {
      this.queue.emit('queued', change.task);
      this.queue.emit('wake');
    }
    if (change.type === 'task.cancelled') this.queue.emit('cancelled', change.task);
  }

  subscribe(taskId: string, fn: (c: TaskChange) => void): () => void {
    this.tasks.on(taskId, fn);
    return () => this.tasks.off(taskId, fn);
  }

  /** some process queued work (maybe known only as "something", not which task) */
  wake(): void {
    this.queue.emit('wake');
  }

  onWake(fn: () => void): () => void {
    this.queue.on('wake', fn);
    return () => this.queue.off('wake', fn);
  }

  hasSubscribers(taskId: string): boolean {
    return this.tasks.listenerCount(taskId) > 0;
  }

  /** ids some long-poll or SSE stream in this process is waiting on */
  subscribedIds(): string[] {
    return this.tasks.eventNames().filter((n): n is string => typeof n === 'string');
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
