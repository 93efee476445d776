/** Opaque list cursors: the id of the last task of a page, so pages stay stable as tasks arrive. */
import { invalidRequest } from '../../core/errors.js';
import { TASK_ID_PATTERN } from '../../core/ids.js';

export const encodeCursor = (lastId: string): string => Buffer.from(`t:${lastId}`).toString('base64url');

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('t:') ? text.slice(2) : '';
  if (!TASK_ID_PATTERN.test(id)) throw invalidRequest('cursor is not one this server issued; pass next_cursor from the previous page');
  return id;
}
