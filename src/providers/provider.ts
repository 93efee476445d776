/**
 * A provider is a plain object that turns a validated input into result files. It knows
 * neither the store nor HTTP: the worker hands it everything through `ctx`.
 */
import type { StoredFile, Task, TaskResult } from '../core/task.js';

export interface ModelInfo {
  id: string;
  capability: string;
  action: string;
  description: string;
  /** the model used when a request names none for this capability/action */
  default?: boolean;
  /** default timeout for tasks of this model, seconds */
  timeout_s?: number;
}

export interface BuiltinVoice {
  id: string;
  name: string;
  language: string;
  gender: 'male' | 'female' | 'neutral';
  engine: string;
}

export interface FileToWrite {
  name: string;
  data: Uint8Array;
  format: string;
  content_type: string;
  duration_s?: number | null;
  width?: number | null;
  height?: number | null;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ProviderContext {
  signal: AbortSignal;
  /** 0..1; throttled by the worker before it reaches the store */
  progress(p: number): void;
  writeFile(file: FileToWrite): Promise<StoredFile>;
  log: Logger;
}

export interface ProviderOutput {
  result: TaskResult;
  /** the amount to charge; defaults to the reserved estimate */
  credits?: number;
}

export interface Provider {
  id: string;
  models: ModelInfo[];
  voices?: BuiltinVoice[];
  /** throws GenqError INVALID_INPUT; returns the normalised input that is stored on the task */
  validate(model: ModelInfo, input: Record<string, unknown>): Record<string, unknown>;
  estimate(model: ModelInfo, input: Record<string, unknown>): number;
  run(task: Task, ctx: ProviderContext): Promise<ProviderOutput>;
  close?(): Promise<void>;
}
