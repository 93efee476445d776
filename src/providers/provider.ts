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

/** A voice an account owns (designed or cloned): a recipe over one engine, kept by the store. */
export interface AccountVoice {
  id: string;
  name: string;
  language: string;
  gender: string | null;
  engine: string;
  params: Record<string, unknown>;
  /** storage key of its sample file, if any */
  sample_key: string | null;
}

/** The account's voices, seen from a provider: scoped to the task's account by whoever builds it. */
export interface VoiceLookup {
  getVoice(id: string): Promise<AccountVoice | null>;
}

/** What a running task may read of its own account. */
export interface AccountResources extends VoiceLookup {
  /** bytes of an upload (POST /v1/uploads) of this account, or null when there is none */
  readUpload(id: string): Promise<Uint8Array | null>;
}

export interface ProviderContext {
  signal: AbortSignal;
  /** 0..1; throttled by the worker before it reaches the store */
  progress(p: number): void;
  writeFile(file: FileToWrite): Promise<StoredFile>;
  log: Logger;
  /** the task's account: its voices and uploads (absent where no store is wired, e.g. unit tests) */
  account?: AccountResources;
}

export interface ProviderOutput {
  result: TaskResult;
  /** the amount to charge; defaults to the reserved estimate */
  credits?: number;
  /** new voices of the task's account; the worker stores them before it records success */
  voices?: AccountVoice[];
}

/** What a streaming synthesis gets: no task, no files, just the caller's account and signal. */
export interface StreamContext {
  signal: AbortSignal;
  log: Logger;
  account?: VoiceLookup;
}

/** A chunked audio answer: the content type is known before the first byte. */
export interface AudioStream {
  content_type: string;
  format: string;
  chunks: AsyncIterable<Uint8Array>;
}

export interface Provider {
  id: string;
  models: ModelInfo[];
  voices?: BuiltinVoice[];
  /** throws GenqError INVALID_INPUT; returns the normalised input that is stored on the task */
  validate(model: ModelInfo, input: Record<string, unknown>): Record<string, unknown>;
  /**
   * Optional second step of validation, for what only the account can answer (does this
   * voice id exist for it?). Runs at creation after `validate`; throws INVALID_INPUT.
   */
  validateForAccount?(model: ModelInfo, input: Record<string, unknown>, voices: VoiceLookup): Promise<Record<string, unknown>>;
  estimate(model: ModelInfo, input: Record<string, unknown>): number;
  run(task: Task, ctx: ProviderContext): Promise<ProviderOutput>;
  /** Optional: synthesis answered as it is produced (POST /v1/tts/stream); input already validated. */
  stream?(model: ModelInfo, input: Record<string, unknown>, ctx: StreamContext): Promise<AudioStream>;
  close?(): Promise<void>;
}
