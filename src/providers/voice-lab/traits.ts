/**
 * Reads a free-text voice description ("a deep, slow, elderly British man") into the few
 * traits a formant engine can render: gender, age, pitch, pace, energy, accent. Words it
 * does not know are ignored; `very`/`extremely` before a word doubles its effect.
 */
export interface VoiceTraits {
  gender: 'male' | 'female' | 'neutral' | null;
  age: 'child' | 'young' | 'adult' | 'old' | null;
  /** steps up (+) or down (−) from the gender's usual pitch */
  pitch: number;
  /** steps faster (+) or slower (−) */
  pace: number;
  /** calm (−) to energetic (+) */
  energy: number;
  /** a BCP-47 tag when the description names an accent or language */
  language: string | null;
}

const WORDS: Array<[RegExp, (t: VoiceTraits, n: number) => void]> = [
  [/^(male|man|men|boy|guy|gentleman|masculine|he|his|father|grandfather|grandpa|dad)$/, (t) => (t.gender ??= 'male')],
  [/^(female|woman|women|girl|lady|feminine|she|her|mother|grandmother|grandma|mom|mum)$/, (t) => (t.gender ??= 'female')],
  [/^(neutral|androgynous|nonbinary|non-binary|genderless)$/, (t) => (t.gender ??= 'neutral')],
  [/^(child|kid|boy|girl|toddler|childlike)$/, (t) => (t.age = 'child')],
  [/^(young|youthful|teen|teenage|teenager|youth)$/, (t) => (t.age ??= 'young')],
  [/^(old|elderly|aged|senior|older|grandfather|grandmother|grandpa|grandma|ancient)$/, (t) => (t.age = 'old')],
  [/^(middle-aged|adult|mature)$/, (t) => (t.age ??= 'adult')],
  [/^(deep|low|bass|baritone|gravelly|booming|husky|dark|low-pitched|rumbling)$/, (t, n) => (t.pitch -= n)],
  [/^(high|bright|squeaky|shrill|soprano|light|thin|high-pitched|piping|chirpy)$/, (t, n) => (t.pitch += n)],
  [/^(slow|slowly|measured|deliberate|leisurely|unhurried|drawling|relaxed)$/, (t, n) => (t.pace -= n)],
  [/^(fast|quick|quickly|rapid|brisk|hurried|speedy|fast-paced|rushed)$/, (t, n) => (t.pace += n)],
  [/^(energetic|excited|lively|enthusiastic|cheerful|upbeat|loud|bold|dynamic|animated|bubbly)$/, (t, n) => (t.energy += n)],
  [/^(calm|soft|quiet|gentle|soothing|tired|sleepy|mellow|whispery|subdued|serene)$/, (t, n) => (t.energy -= n)],
];

const ACCENTS: Array<[RegExp, string]> = [
  [/\b(british|english accent|uk|london|scottish|irish)\b/, 'en-GB'],
  [/\b(american|us english)\b/, 'en-US'],
  [/\b(german)\b/, 'de-DE'],
  [/\b(french)\b/, 'fr-FR'],
  [/\b(spanish)\b/, 'es-ES'],
  [/\b(italian)\b/, 'it-IT'],
  [/\b(brazilian)\b/, 'pt-BR'],
  [/\b(portuguese)\b/, 'pt-PT'],
  [/\b(dutch)\b/, 'nl-NL'],
  [/\b(polish)\b/, 'pl-PL'],
];

export function parseDescription(description: string): VoiceTraits {
  const t: VoiceTraits = { gender: null, age: null, pitch: 0, pace: 0, energy: 0, language: null };
  const text = description.toLowerCase();
  const words = text.split(/[^a-z-]+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const intensity = i > 0 && /^(very|extremely|really|super|quite|incredibly)$/.test(words[i - 1]!) ? 2 : 1;
    for (const [re, apply] of WORDS) if (re.test(words[i]!)) apply(t, intensity);
  }
  for (const [re, tag] of ACCENTS) {
    if (re.test(text)) {
      t.language = tag;
      break;
    }
  }
  return t;
}

export interface VoiceTarget {
  gender: 'male' | 'female' | 'neutral';
  f0_hz: number;
  wpm: number;
  amplitude: number;
}

const BASE_F0 = { male: 110, female: 205, neutral: 155 } as const;

/** Turns traits into the numbers a candidate is built from (before per-candidate variation). */
export function targetFor(t: VoiceTraits, gender: 'male' | 'female' | 'neutral'): VoiceTarget {
  let f0 = BASE_F0[gender];
  let wpm = 175;
  if (t.age === 'child') {
    f0 = Math.max(f0, 200) * 1.3;
    wpm *= 1.05;
  } else if (t.age === 'young') {
    f0 *= 1.06;
    wpm *= 1.04;
  } else if (t.age === 'old') {
    f0 *= gender === 'female' ? 0.88 : 0.92;
    wpm *= 0.88;
  }
  f0 *= 1.16 ** Math.max(-3, Math.min(3, t.pitch));
  wpm *= (t.pace >= 0 ? 1.25 : 0.78) ** Math.min(2, Math.abs(t.pace));
  wpm *= 1 + 0.06 * Math.max(-2, Math.min(2, t.energy));
  const amplitude = Math.round(Math.max(40, Math.min(180, 100 + 25 * t.energy)));
  return { gender, f0_hz: Math.max(55, Math.min(420, f0)), wpm: Math.round(Math.max(80, Math.min(400, wpm))), amplitude };
}
