/**
 * Outbound requests to URLs that accounts give us (webhooks, reference audio, later upstream
 * providers), refused for private, reserved and cloud-metadata addresses unless the operator
 * starts genq with --allow-private-urls. See docs/security.md, "Outbound URLs".
 */
export { checkOutboundUrl, urlRefusal, MAX_URL_LENGTH } from './check-url.js';
export { guardedLookup, agentFor, systemResolver, type Resolver, type GuardedLookup } from './guarded-lookup.js';
export { postJson, WEBHOOK_USER_AGENT, DEFAULT_MAX_RESPONSE_BYTES, type PostOptions, type PostResult } from './post-json.js';
export { OutboundError, toOutboundError, type OutboundReason } from './outbound-error.js';
export { addressRisk, isPrivateAddress, nameRisk, hostRisk, literalHost } from './private-address.js';
