/** The slice of the emscripten factory in the untyped `espeak-ng` package that genq uses. */
declare module 'espeak-ng' {
  export interface ESpeakNgOptions {
    /** argv after the program name; emscripten mutates this array, pass a fresh one */
    arguments: string[];
    print?(line: string): void;
    printErr?(line: string): void;
    /** replaces emscripten's node default, which sets process.exitCode on exit(1) */
    quit?(status: number, toThrow: unknown): void;
    /** WebAssembly types are opaque here: the project's lib has no DOM/WebAssembly typings */
    instantiateWasm?(imports: object, done: (instance: object, module: object) => void): object;
    wasmBinary?: ArrayBuffer | Uint8Array;
  }
  export interface ESpeakNgModule {
    FS: { readFile(path: string): Uint8Array };
  }
  export default function ESpeakNg(options: ESpeakNgOptions): Promise<ESpeakNgModule>;
}
