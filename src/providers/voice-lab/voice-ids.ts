/**
 * Account voice ids. They are derived from the task that made the voice, so a task that
 * runs again after a crash produces the same ids and the worker can skip the voices it
 * already stored instead of saving duplicates.
 */
import { createHash } from 'node:crypto';

const PATTERN = /^voice_[a-z0-9]{24}$/;

export const isAccountVoiceId = (id: string) => PATTERN.test(id);

export function accountVoiceId(taskId: string, index: number): string {
  return `voice_${createHash('sha256').update(`${taskId}:${index}`).digest('hex').slice(0, 24)}`;
}
