/**
 * Splits text into chunks for synthesis. Chunks are the unit of progress and of
 * cancellation, so they should be short; cutting at sentence ends keeps espeak's
 * intonation natural, because each chunk is spoken as a separate utterance.
 */
export const MAX_CHUNK_CHARS = 400;

/**
 * espeak reads its text as a C string, so a NUL would silently cut the text short; other
 * control characters are spoken as garbage. Newlines and tabs stay: they mark pauses.
 */
export function sanitizeText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ');
}

function sentences(text: string, language: string): string[] {
  // ICU knows more sentence rules (quotes, ellipses, other scripts) than a regex would
  const segmenter = new Intl.Segmenter(language, { granularity: 'sentence' });
  return [...segmenter.segment(text)].map((s) => s.segment);
}

/** Greedily joins consecutive pieces while the result stays within max. */
function pack(pieces: string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current && (current + piece).trim().length > max) {
      out.push(current);
      current = '';
    }
    current += piece;
  }
  if (current) out.push(current);
  return out;
}

/** A sentence longer than max: cut at clause punctuation, then between words. */
function splitLong(piece: string, max: number): string[] {
  if (piece.trim().length <= max) return [piece];
  const clauses = piece.split(/(?<=[,;:\u2014\u2013]\s)/);
  if (clauses.length > 1) return pack(clauses.flatMap((c) => splitLong(c, max)), max);
  const words = piece.split(/(?<=\s)/);
  if (words.length > 1) return pack(words.flatMap((w) => splitLong(w, max)), max);
  // a single "word" over max characters (a URL, a hash): no boundary exists, cut it
  const chars = [...piece];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(''));
  return out;
}

export function splitText(text: string, language = 'en', max = MAX_CHUNK_CHARS): string[] {
  const clean = sanitizeText(text);
  const pieces = sentences(clean, language).flatMap((s) => splitLong(s, max));
  const chunks = pack(pieces, max)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  return chunks.length ? chunks : [clean.trim()];
}

/**
 * Chunks for a streamed answer: the first sentence alone, so audio starts after one short
 * synthesis, then the rest packed as usual.
 */
export function splitForStream(text: string, language = 'en', max = MAX_CHUNK_CHARS): string[] {
  const clean = sanitizeText(text);
  const all = sentences(clean, language).flatMap((s) => splitLong(s, max));
  const first = all.findIndex((s) => s.trim().length > 0);
  if (first < 0) return [clean.trim()];
  const rest = all.slice(first + 1).join('');
  return [all[first]!.trim(), ...(rest.trim() ? splitText(rest, language, max) : [])];
}
