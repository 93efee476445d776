/**
 * Runs an engine binary as a child process: argv only (no shell, so text is never parsed as
 * a command), text on stdin, bytes from stdout, killed when the task is aborted. A child
 * process is off the event loop by construction, and the OS schedules it across cores.
 */
import { spawn } from 'node:child_process';

export function runCommand(bin: string, args: string[], stdin: string, signal: AbortSignal, timeoutMs = 120_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 2000) err += b.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(signal.reason);
      if (code !== 0) return reject(new Error(`${bin} exited with ${code ?? sig}: ${err.trim().slice(0, 300)}`));
      resolve(new Uint8Array(Buffer.concat(out)));
    });
    child.stdin.on('error', () => {}); // a child that exits early closes its stdin: the close handler reports it
    child.stdin.end(stdin);
  });
}
