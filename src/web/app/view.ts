/** What every view gets: the client, a signal that aborts when the user navigates away, and the route. */
import type { Genq } from '../../sdk/index.js';

export interface ViewContext {
  genq: Genq;
  /** aborts when the view is left: close streams and stop timers with it */
  signal: AbortSignal;
  params: Record<string, string>;
  query: URLSearchParams;
  navigate(hash: string): void;
  /** re-reads the credit balance shown in the header */
  refreshAccount(): void;
}

export interface View {
  title: string;
  render(ctx: ViewContext): HTMLElement;
}
