/** Renders JSON Schemas (as found in an OpenAPI 3.1 document) as readable type labels and property tables. */
import { h } from '../app/dom.js';

export type Schema = Record<string, any>;

export const refName = (ref: string) => ref.split('/').pop() ?? ref;

const constraint = (s: Schema): string => {
  const c: string[] = [];
  if (s.format) c.push(s.format);
  if (s.minimum !== undefined) c.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) c.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) c.push(`${s.minLength}–${s.maxLength ?? '∞'} chars`);
  else if (s.maxLength !== undefined) c.push(`≤ ${s.maxLength} chars`);
  if (s.minItems !== undefined || s.maxItems !== undefined) c.push(`${s.minItems ?? 0}–${s.maxItems ?? '∞'} items`);
  if (s.default !== undefined) c.push(`default ${JSON.stringify(s.default)}`);
  return c.join(', ');
};

/** A one-line label: `string (date-time)`, `Task | null`, `array of TaskFile`, `"a" | "b"`. */
export function typeLabel(s: Schema | undefined): Node {
  const span = h('span', { class: 'type' });
  if (!s || Object.keys(s).length === 0) {
    span.append('any');
    return span;
  }
  if (s.$ref) {
    span.append(h('a', { href: `#schema-${refName(s.$ref)}`, class: 'type-ref' }, refName(s.$ref)));
    return span;
  }
  const union = s.anyOf ?? s.oneOf;
  if (union) {
    const parts = union as Schema[];
    if (parts.every((p) => p.const !== undefined)) {
      span.append(parts.map((p) => JSON.stringify(p.const)).join(' | '));
      return span;
    }
    parts.forEach((p, i) => {
      if (i) span.append(' | ');
      span.append(typeLabel(p));
    });
    return span;
  }
  if (s.const !== undefined) span.append(JSON.stringify(s.const));
  else if (s.enum) span.append((s.enum as unknown[]).map((e) => JSON.stringify(e)).join(' | '));
  else if (s.type === 'array') span.append('array of ', typeLabel(s.items));
  else if (s.type === 'object' && !s.properties && s.patternProperties) span.append('map of string → ', typeLabel(Object.values(s.patternProperties)[0] as Schema));
  else if (s.type === 'object' && !s.properties) span.append('object');
  else span.append(Array.isArray(s.type) ? s.type.join(' | ') : String(s.type ?? 'object'));
  const c = constraint(s);
  if (c) span.append(h('span', { class: 'constraint' }, ` ${c}`));
  return span;
}

/** The inline object schema inside a union or array, if any (so its properties can be shown). */
function innerObject(s: Schema): Schema | null {
  if (s.type === 'object' && s.properties) return s;
  if (s.type === 'array' && s.items) return innerObject(s.items);
  for (const p of (s.anyOf ?? s.oneOf ?? []) as Schema[]) {
    const o = innerObject(p);
    if (o) return o;
  }
  return null;
}

/** A table of an object's properties; anonymous nested objects are shown inside their row. */
export function propertiesTable(s: Schema, depth = 0): HTMLElement {
  const required = new Set<string>(s.required ?? []);
  const rows = Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([name, p]) => {
    const nested = depth < 3 ? innerObject(p) : null;
    return h('tr', null,
      h('td', { class: 'prop-name' }, h('code', null, name), required.has(name) ? h('span', { class: 'req' }, 'required') : null),
      h('td', null, typeLabel(p), p.description ? h('div', { class: 'prop-desc' }, p.description) : null,
        nested ? propertiesTable(nested, depth + 1) : null),
    );
  });
  const extra = s.additionalProperties === true || (s.additionalProperties === undefined && s.type === 'object' && s.properties === undefined);
  return h('table', { class: 'props' },
    h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: 2, class: 'prop-desc' }, extra ? 'Any fields.' : 'No fields.'))),
    rows.length && s.additionalProperties === true ? h('tfoot', null, h('tr', null, h('td', { colspan: 2, class: 'prop-desc' }, 'May hold further fields.'))) : null,
  );
}

/** A schema in full: its properties if it has any, else its type label. */
export function schemaBlock(s: Schema | undefined): HTMLElement {
  if (!s) return h('p', { class: 'prop-desc' }, 'No body.');
  const obj = s.$ref ? null : innerObject(s);
  return h('div', { class: 'schema' },
    s.$ref || !obj || obj !== s ? h('p', null, typeLabel(s)) : null,
    obj ? propertiesTable(obj) : null,
  );
}
