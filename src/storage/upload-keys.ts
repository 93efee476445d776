/**
 * Where an account's uploads (POST /v1/uploads) live in blob storage. The account id is
 * part of the key, so an upload id is only ever looked up inside its own account.
 */
import crypto from 'node:crypto';

export const newUploadId = () => `upl_${crypto.randomBytes(12).toString('hex')}`;

export const uploadKey = (accountId: string, uploadId: string) => `${accountId}/uploads/${uploadId}`;
