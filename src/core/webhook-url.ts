/** The policy for webhook targets at creation; the connect-time check happens again when a message is sent. */
import { checkUrlTarget } from '../providers/voice-lab/fetch-url.js';
import { invalidRequest } from './errors.js';

export function checkWebhookUrl(raw: string, allowPrivate: boolean): void {
  // WHATWG URL parsing silently drops tabs and newlines: refuse them before it can
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw invalidRequest('webhook.url must not contain spaces or control characters');
  if (raw.length > 2048) throw invalidRequest('webhook.url is longer than 2048 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidRequest(`webhook.url is not a valid URL: "${raw.slice(0, 200)}"`);
  }
  const refused = checkUrlTarget(url, allowPrivate);
  if (refused) throw invalidRequest(`webhook.url: ${refused.replace('reference URLs', 'webhooks')}${allowPrivate ? '' : ' (an operator can allow private targets with --allow-private-urls)'}`);
}
