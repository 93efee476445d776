/**
 * The voices this account can use. Voices with a stored sample (the account's own) play it;
 * a built-in voice is previewed by synthesizing one short sentence, as a real task.
 */
import type { Voice } from '../../../sdk/index.js';
import { h, replace } from '../dom.js';
import { describeError, emptyState, errorNotice, spinner } from '../components.js';
import type { View, ViewContext } from '../view.js';

const SAMPLE: Record<string, string> = {
  en: 'Hello! This is how I sound.', de: 'Hallo! So klinge ich.', fr: 'Bonjour ! Voici ma voix.', es: '¡Hola! Así suena mi voz.',
  it: 'Ciao! Questa è la mia voce.', pt: 'Olá! É assim que eu soo.', nl: 'Hallo! Zo klink ik.', pl: 'Cześć! Tak brzmi mój głos.',
  sv: 'Hej! Så här låter jag.', ru: 'Привет! Вот как звучит мой голос.', hi: 'नमस्ते! मेरी आवाज़ ऐसी है।', ja: 'こんにちは。これが私の声です。',
};

const cacheKey = (id: string) => `genq.preview.${id}`;

function cachedPreview(id: string): string | null {
  try {
    const c = JSON.parse(sessionStorage.getItem(cacheKey(id)) ?? 'null') as { url: string; expires: string } | null;
    return c && new Date(c.expires).getTime() > Date.now() + 30_000 ? c.url : null;
  } catch {
    return null;
  }
}

function player(ctx: ViewContext, v: Voice): HTMLElement {
  const slot = h('div', { class: 'voice-player' });
  const play = (url: string, autoplay: boolean) => {
    const audio = h('audio', { controls: true, src: url, preload: 'metadata', 'aria-label': `Sample of ${v.name}` });
    replace(slot, audio);
    if (autoplay) void audio.play().catch(() => {});
  };
  const sample = v.sample_url ?? cachedPreview(v.id);
  if (sample) {
    play(sample, false);
    return slot;
  }
  const button = h('button', { type: 'button', class: 'button secondary small', 'aria-label': `Preview ${v.name}` }, '▶ Preview');
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Synthesizing…';
    try {
      const text = SAMPLE[v.language.split('-')[0]!] ?? SAMPLE.en!;
      const t = await ctx.genq.run({ capability: 'voice', action: 'tts', input: { text, voice: v.id }, metadata: { source: 'dashboard', preview: true } },
        { signal: ctx.signal, timeout: 60_000 });
      const file = t.result!.files[0]!;
      sessionStorage.setItem(cacheKey(v.id), JSON.stringify({ url: file.url, expires: file.url_expires_at }));
      play(file.url, true);
      ctx.refreshAccount();
    } catch (e) {
      if (ctx.signal.aborted) return;
      button.disabled = false;
      button.textContent = '▶ Preview';
      slot.append(h('span', { class: 'error-text', role: 'alert' }, describeError(e)));
    }
  });
  replace(slot, button);
  return slot;
}

export const voicesView: View = {
  title: 'Voices',
  render(ctx: ViewContext) {
    const body = h('div', null, spinner('Loading voices'));
    const filter = h('select', { id: 'voice-lang' }, h('option', { value: '' }, 'All languages'));
    let voices: Voice[] = [];

    const draw = () => {
      const shown = voices.filter((v) => !filter.value || v.language === filter.value);
      const own = shown.filter((v) => v.owner === 'account');
      const builtin = shown.filter((v) => v.owner !== 'account');
      const table = (list: Voice[], caption: string) => h('table', { class: 'table voices-table' },
        h('caption', null, caption),
        h('thead', null, h('tr', null, ['Voice', 'Language', 'Gender', 'Engine', 'Sample'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, list.map((v) => h('tr', { dataset: { voiceId: v.id } },
          h('td', { 'data-label': 'Voice' }, h('strong', null, v.name), h('div', { class: 'sub mono' }, v.id)),
          h('td', { 'data-label': 'Language' }, v.language),
          h('td', { 'data-label': 'Gender' }, v.gender ?? '—'),
          h('td', { 'data-label': 'Engine' }, v.engine),
          h('td', { 'data-label': 'Sample' }, player(ctx, v)),
        ))),
      );
      replace(body,
        own.length ? table(own, 'Your voices') : emptyState('No voices of your own yet.', 'Voices you design or clone appear here with their samples.'),
        builtin.length ? table(builtin, 'Built-in voices') : null,
        h('p', { class: 'help' }, 'A built-in voice is previewed by a short speech task, which uses a credit.'),
      );
    };

    ctx.genq.voices.list({ signal: ctx.signal }).then(
      (list) => {
        voices = list;
        const langs = [...new Set(list.map((v) => v.language))].sort();
        filter.append(...langs.map((l) => h('option', { value: l }, l)));
        draw();
      },
      (e) => !ctx.signal.aborted && replace(body, errorNotice(e)),
    );
    filter.addEventListener('change', draw);

    return h('div', { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'Voices')),
      h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'voice-lang' }, 'Language'), filter)),
      body,
    );
  },
};
