/**
 * Piscina worker: one espeak-ng run per call. Piscina loads this file as plain JS, so at
 * runtime it is the tsc output `dist/providers/espeak/synth-worker.js`.
 *
 * The emscripten factory builds a fresh instance (fresh heap and file system) per call,
 * which is what we want: espeak's C globals are not safe to reuse across `main` runs.
 * What we do keep is the compiled WebAssembly.Module (the wasm is 18 MB, most of it the
 * embedded voice data), so each call only instantiates it.
 */
import { readFile } from 'node:fs/promises';
import ESpeakNg from 'espeak-ng';

export interface SynthRequest {
  text: string;
  /** espeak `-v`, e.g. `en-us+f3` */
  voice: string;
  /** espeak `-s`, words per minute */
  wpm: number;
  /** espeak `-p`, 0..99 */
  pitch: number;
  /** the text is SSML: espeak `-m` */
  ssml?: boolean;
  /** espeak `-a`, 0..200 (default 100) */
  amplitude?: number;
}

export interface SynthResponse {
  /** the WAV espeak wrote, or null when it wrote none (stderr says why) */
  wav: Uint8Array | null;
  stderr: string;
  ms: number;
  /** true when this call had to compile the wasm module first */
  cold: boolean;
}

// tsconfig's lib has no WebAssembly typings (they live in lib.dom); describe what we use
interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

const OUT = '/out.wav';
let compiled: Promise<object> | undefined;

function wasmModule(): Promise<object> {
  if (!compiled) {
    const url = new URL('espeak-ng.wasm', import.meta.resolve('espeak-ng'));
    compiled = readFile(url).then((bytes) => wasm.compile(bytes));
    // a failed compile must not poison every later call in this thread
    compiled.catch(() => (compiled = undefined));
  }
  return compiled;
}

export default async function synthesize(req: SynthRequest): Promise<SynthResponse> {
  const started = performance.now();
  const cold = !compiled;
  const module = await wasmModule();
  const stderr: string[] = [];
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  // This build has ASSERTIONS on: every FS ErrnoError (hundreds while it unpacks the
  // embedded voice files) captures a stack trace. Without them a call is ~25% faster.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const es = await Promise.race([
      ESpeakNg({
        // `--` ends the options, so text that starts with "-" is spoken, not parsed
        arguments: ['-w', OUT, '-v', req.voice, '-s', String(req.wpm), '-p', String(req.pitch), ...(req.ssml ? ['-m'] : []), ...(req.amplitude ? ['-a', String(req.amplitude)] : []), '--', req.text],
        print: () => {},
        // emscripten's own "program exited … keepRuntimeAlive" notice is noise, not a cause
        printErr: (line) => void (line.startsWith('program exited') || stderr.push(line)),
        quit: (_status, toThrow) => {
          throw toThrow;
        },
        instantiateWasm(imports, done) {
          // espeak's main() runs inside done(); a crash there must reject, not hang
          wasm.instantiate(module, imports)
            .then((instance) => done(instance, module))
            .catch(fail);
          return {};
        },
      }),
      failed,
    ]);
    let wav: Uint8Array | null = null;
    try {
      wav = es.FS.readFile(OUT);
    } catch {
      // no file: espeak rejected its arguments; stderr carries its message
    }
    return { wav, stderr: stderr.join('\n'), ms: performance.now() - started, cold };
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}
