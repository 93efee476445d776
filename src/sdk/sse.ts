/**
 * A Server-Sent Events parser (the WHATWG "event stream interpretation") over a fetch body,
 * so it runs wherever fetch and ReadableStream do: browsers, Node 18+, Deno, workers.
 * EventSource itself is not used because it cannot send an Authorization header.
 */

export interface SseMessage {
  /** the last event id as of this message ("" when none was ever set) */
  lastEventId: string;
  /** the `event:` field, "message" when absent */
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  /** the last `id:` seen; what to send back as Last-Event-ID */
  lastEventId = '';
  /** the last `retry:` seen, in milliseconds */
  retryMs: number | null = null;

  /** Feeds decoded text; returns the messages it completed. */
  push(text: string): SseMessage[] {
    this.buffer += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // a CR at the very end may be the first half of CRLF: wait for the next chunk
      if (c === 13 && i === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, i), out);
      if (c === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') return this.dispatch(out);
    if (line.startsWith(':')) return; // comment (keepalive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default: // unknown fields are ignored
    }
  }

  private dispatch(out: SseMessage[]): void {
    if (this.data.length > 0) {
      out.push({ lastEventId: this.lastEventId, event: this.eventType || 'message', data: this.data.join('\n') });
    }
    this.data = [];
    this.eventType = '';
  }
}

/**
 * Yields the messages of an event stream until it ends. An event the stream ends in the
 * middle of is dropped, as the standard says. Uses getReader(), not async iteration of the
 * stream, which some browsers lack.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  parser: SseParser = new SseParser(),
  /** called on every chunk, keepalive comments included: an idle watchdog hooks in here */
  onChunk?: () => void,
): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk?.();
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    // stops the download when the consumer breaks out early
    reader.cancel().catch(() => {});
  }
}
