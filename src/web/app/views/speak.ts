/** Make speech: a form that creates a voice/tts task, then follows it live to an audio player. */
import type { Task, Voice } from '../../../sdk/index.js';
import { isTerminal } from '../../../sdk/index.js';
import { announce, h, replace } from '../dom.js';
import { describeError, errorNotice, mediaFor, progressBar, statusBadge } from '../components.js';
import { follow } from '../live.js';
import type { View, ViewContext } from '../view.js';

const MAX_CHARS = 5000;

export function voiceOptions(voices: Voice[]): HTMLElement[] {
  const byLang = new Map<string, Voice[]>();
  for (const v of voices) byLang.set(v.language, [...(byLang.get(v.language) ?? []), v]);
  const langName = (tag: string) => {
    try {
      return new Intl.DisplayNames(undefined, { type: 'language' }).of(tag) ?? tag;
    } catch {
      return tag;
    }
  };
  return [...byLang.entries()]
    .sort(([a], [b]) => langName(a).localeCompare(langName(b)))
    .map(([lang, vs]) => h('optgroup', { label: langName(lang) },
      vs.map((v) => h('option', { value: v.id }, `${v.name}${v.gender ? ` · ${v.gender}` : ''}${v.owner === 'account' ? ' · yours' : ''}`))));
}

function slider(id: string, label: string): { field: HTMLElement; input: HTMLInputElement } {
  const out = h('output', { for: id, id: `${id}-out` }, '1.00×');
  const input = h('input', { id, name: id, type: 'range', min: 0.5, max: 2, step: 0.05, value: '1' });
  input.addEventListener('input', () => (out.textContent = `${Number(input.value).toFixed(2)}×`));
  return { field: h('div', { class: 'field' }, h('label', { for: id }, label, ' ', out), input), input };
}

export const speakView: View = {
  title: 'Speak',
  render(ctx: ViewContext) {
    const text = h('textarea', { id: 'speak-text', name: 'text', rows: 6, required: true, maxLength: MAX_CHARS, 'aria-describedby': 'speak-count' },
      'Hello! This speech was made by genq, on this machine.');
    const count = h('p', { id: 'speak-count', class: 'help' });
    const countChars = () => (count.textContent = `${[...text.value].length} / ${MAX_CHARS} characters`);
    text.addEventListener('input', countChars);
    countChars();
    const voice = h('select', { id: 'speak-voice', name: 'voice' }, h('option', { value: '' }, 'Loading voices…'));
    const speed = slider('speak-speed', 'Speed');
    const pitch = slider('speak-pitch', 'Pitch');
    const submit = h('button', { type: 'submit', class: 'button primary' }, 'Speak');
    const error = h('div');
    const out = h('div', { class: 'speak-results', 'aria-live': 'polite' });

    ctx.genq.voices.list({ signal: ctx.signal }).then(
      (voices) => {
        replace(voice, voiceOptions(voices));
        voice.value = voices.some((v) => v.id === 'en-us-female-1') ? 'en-us-female-1' : voices[0]?.id ?? '';
      },
      (e) => {
        if (!ctx.signal.aborted) replace(voice, h('option', { value: '' }, `Default voice (voices unavailable: ${describeError(e)})`));
      },
    );

    const card = (t: Task) => {
      const el = h('article', { class: 'card speak-card', dataset: { taskId: t.id } });
      const draw = (t: Task) => {
        replace(el,
          h('div', { class: 'speak-card-head' },
            statusBadge(t.status),
            h('a', { href: `#/tasks/${t.id}`, class: 'link' }, 'Open task'),
          ),
          h('p', { class: 'speak-text' }, `“${String(t.input.text ?? '')}”`),
          isTerminal(t.status) ? null : progressBar(t),
          t.status === 'succeeded' && t.result?.files[0] ? mediaFor(t.result.files[0], `Speech of task ${t.id}`) : null,
          t.error ? h('div', { class: 'notice notice-error', role: 'alert' }, `${t.error.code}: ${t.error.message}`) : null,
        );
      };
      draw(t);
      follow(ctx.genq, t.id, ctx.signal, (next) => {
        draw(next);
        if (isTerminal(next.status)) {
          announce(next.status === 'succeeded' ? 'Speech ready' : `Task ${next.status}`);
          ctx.refreshAccount();
        }
      }, true);
      return el;
    };

    const form = h('form', { class: 'card form', 'aria-labelledby': 'speak-title' },
      h('div', { class: 'field' }, h('label', { for: 'speak-text' }, 'Text'), text, count),
      h('div', { class: 'field' }, h('label', { for: 'speak-voice' }, 'Voice'), voice),
      h('div', { class: 'row' }, speed.field, pitch.field),
      error,
      h('div', { class: 'form-actions' }, submit),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      replace(error);
      submit.disabled = true;
      submit.textContent = 'Creating…';
      try {
        const input: Record<string, unknown> = { text: text.value, speed: Number(speed.input.value), pitch: Number(pitch.input.value) };
        if (voice.value) input.voice = voice.value;
        const t = await ctx.genq.tasks.create({ capability: 'voice', action: 'tts', input, metadata: { source: 'dashboard' } }, { signal: ctx.signal });
        out.prepend(card(t));
        ctx.refreshAccount();
      } catch (e) {
        if (!ctx.signal.aborted) replace(error, errorNotice(e));
      } finally {
        submit.disabled = false;
        submit.textContent = 'Speak';
      }
    });

    return h('div', { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { id: 'speak-title' }, 'Speak')),
      h('p', { class: 'lede' }, 'Type some text, pick a voice, and genq makes a speech task. It appears here and in your task list, and plays when it is ready.'),
      h('div', { class: 'speak-grid' }, form, out),
    );
  },
};
