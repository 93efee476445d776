/**
 * Signed download URLs: HMAC-SHA256 over the object key and the expiry. The key names the
 * account and task, so a URL is a capability for one file until it expires; changing either
 * the key or the expiry breaks the signature.
 */
import crypto from 'node:crypto';

export interface SignedParams {
  expires: number;
  sig: string;
}

export class UrlSigner {
  constructor(private readonly secret: string) {}

  private mac(key: string, expires: number): string {
    return crypto.createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest('base64url');
  }

  sign(key: string, expiresAtS: number): SignedParams {
    return { expires: expiresAtS, sig: this.mac(key, expiresAtS) };
  }

  /** constant-time check; 'expired' is told apart so the client learns to re-fetch the task */
  verify(key: string, expires: number, sig: string, nowS: number): 'ok' | 'bad' | 'expired' {
    if (!Number.isInteger(expires) || typeof sig !== 'string') return 'bad';
    const want = Buffer.from(this.mac(key, expires));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) return 'bad';
    return expires < nowS ? 'expired' : 'ok';
  }
}

/** The path under which files are served: /files/<key>?expires=…&sig=… */
export function signedPath(signer: UrlSigner, key: string, expiresAtS: number): string {
  const { expires, sig } = signer.sign(key, expiresAtS);
  return `/files/${key.split('/').map(encodeURIComponent).join('/')}?expires=${expires}&sig=${sig}`;
}
