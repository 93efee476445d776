/**
 * How high each espeak-ng variant speaks at each `-p` value: median F0 (Hz) measured with
 * the same YIN analysis genq applies to references (audio/pitch.ts), on US English at
 * 175 wpm. Other languages land within a few Hz. Designing and cloning map a wanted F0
 * to `-p` with this table, and to a formant-preserving pitch shift when the wanted F0 lies
 * beyond the variant's range; cloning then checks its result by measuring it.
 */
const P_POINTS = [0, 20, 40, 60, 80, 99] as const;

const F0_AT: Record<string, readonly number[]> = {
  base: [68, 80, 95, 112, 138, 170],
  m1: [62, 68, 86, 104, 128, 157],
  m3: [71, 82, 98, 116, 141, 173],
  f2: [136, 150, 177, 214, 263, 324],
  f3: [161, 176, 196, 229, 278, 336],
  f4: [118, 136, 162, 199, 248, 308],
};

/** `en-us+f3` → `f3`; no variant → `base` (the language voice's own male sound). */
export const variantOf = (espeakVoice: string) => {
  const v = espeakVoice.split('+')[1];
  return v && F0_AT[v] ? v : 'base';
};

/** Expected median F0 at espeak pitch p (0..99), by linear interpolation. */
export function f0At(espeakVoice: string, p: number): number {
  const table = F0_AT[variantOf(espeakVoice)]!;
  const q = Math.max(0, Math.min(99, p));
  for (let i = 1; i < P_POINTS.length; i++) {
    if (q <= P_POINTS[i]!) {
      const t = (q - P_POINTS[i - 1]!) / (P_POINTS[i]! - P_POINTS[i - 1]!);
      return table[i - 1]! + t * (table[i]! - table[i - 1]!);
    }
  }
  return table[table.length - 1]!;
}

/**
 * The espeak pitch that gives `targetHz`, clamped to 0..99, plus the pitch-shift factor that
 * covers what the clamp left over (1 when the variant reaches the target by itself).
 */
export function pitchFor(espeakVoice: string, targetHz: number): { p: number; shift: number } {
  const lo = f0At(espeakVoice, 0);
  const hi = f0At(espeakVoice, 99);
  if (targetHz <= lo) return { p: 0, shift: targetHz / lo };
  if (targetHz >= hi) return { p: 99, shift: targetHz / hi };
  let a = 0;
  let b = 99;
  for (let i = 0; i < 20; i++) {
    const mid = (a + b) / 2;
    if (f0At(espeakVoice, mid) < targetHz) a = mid;
    else b = mid;
  }
  // within the range the rounding error of p is a few Hz: not worth a pitch-shift pass
  return { p: Math.round((a + b) / 2), shift: 1 };
}
