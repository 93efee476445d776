/** The policy for webhook targets at creation; the connect-time check happens again when a message is sent. */
import { checkOutboundUrl } from '../net/outbound.js';

export function checkWebhookUrl(raw: string, allowPrivate: boolean): void {
  checkOutboundUrl(raw, { allowPrivate, purpose: 'webhook.url' });
}
