/** /docs: renders this server's /openapi.json (no CDN, no third-party renderer). */
import { h, replace } from '../app/dom.js';
import { propertiesTable, refName, schemaBlock, typeLabel, type Schema } from './schema.js';

type Operation = {
  summary?: string; description?: string; tags?: string[]; parameters?: Schema[];
  requestBody?: { content?: Record<string, { schema?: Schema }>; required?: boolean };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
type Spec = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const SDK: Record<string, string> = {
  'POST /v1/tasks': "const task = await genq.tasks.create({ capability: 'voice', action: 'tts', input: { text: 'Hello' } });",
  'POST /v1/tasks/batch': "const tasks = await genq.tasks.createBatch([{ capability: 'voice', action: 'tts', input: { text: 'One' } }]);",
  'GET /v1/tasks/{id}': 'const task = await genq.tasks.get(id);\nconst done = await genq.tasks.wait(id, { timeout: 120_000, onProgress: (t) => console.log(t.progress) });',
  'GET /v1/tasks': "for await (const page of genq.tasks.list({ status: 'running' })) console.log(page.data.length);",
  'POST /v1/tasks/{id}/cancel': 'await genq.tasks.cancel(id);',
  'GET /v1/tasks/{id}/events': 'for await (const e of genq.tasks.events(id)) console.log(e.type, e.progress);',
  'GET /v1/models': 'const models = await genq.models.list();',
  'GET /v1/voices': 'const voices = await genq.voices.list();',
  'GET /v1/account': 'const { credits_balance } = await genq.account.get();',
  'POST /v1/uploads': "const upload = await genq.uploads.create(file, { contentType: 'audio/wav' });",
};

const CURL_BODY: Record<string, string> = {
  'POST /v1/tasks': '{"capability":"voice","action":"tts","input":{"text":"Hello"}}',
  'POST /v1/tasks/batch': '{"tasks":[{"capability":"voice","action":"tts","input":{"text":"One"}}]}',
};

const anchor = (method: string, path: string) => `op-${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`.replace(/-+/g, '-').replace(/-$/, '');

function curl(method: string, path: string, op: Operation): string {
  const url = `${location.origin}${path.replace('{id}', 'TASK_ID')}`;
  const lines = [`curl${method === 'get' ? '' : ` -X ${method.toUpperCase()}`} '${url}'`, `  -H "Authorization: Bearer $GENQ_API_KEY"`];
  if (path.endsWith('/events')) lines.push("  -H 'Accept: text/event-stream' -N");
  if (method === 'get' && path === '/v1/tasks/{id}') lines.push("  -H 'Prefer: wait=30'");
  const body = CURL_BODY[`${method.toUpperCase()} ${path}`];
  if (body) lines.push("  -H 'Content-Type: application/json'", `  -d '${body}'`);
  else if (op.requestBody) lines.push("  --data-binary @file");
  return lines.join(' \\\n');
}

/** All error statuses on one line: they share the Error shape. */
function errorLine(op: Operation): HTMLElement | null {
  const errors = Object.entries(op.responses ?? {}).filter(([status]) => !status.startsWith('2'));
  if (!errors.length) return null;
  const schema = errors[0]![1].content ? Object.values(errors[0]![1].content)[0]?.schema : undefined;
  return h('div', { class: 'response err' }, h('p', null, h('span', { class: 'status' }, errors.map(([s]) => s).join(' ')), ' ', schema ? typeLabel(schema) : ''));
}

function operation(method: string, path: string, op: Operation): HTMLElement {
  const params = op.parameters ?? [];
  const body = op.requestBody?.content ? Object.entries(op.requestBody.content)[0] : undefined;
  const key = `${method.toUpperCase()} ${path}`;
  return h('section', { class: 'op', id: anchor(method, path), 'aria-labelledby': `${anchor(method, path)}-t` },
    h('h3', { id: `${anchor(method, path)}-t` }, h('span', { class: `method method-${method}` }, method.toUpperCase()), h('code', { class: 'path' }, path)),
    op.summary ? h('p', { class: 'op-summary' }, op.summary) : null,
    op.description ? h('p', null, op.description) : null,
    params.length ? [h('h4', null, 'Parameters'), h('table', { class: 'props' }, h('tbody', null, params.map((p) => h('tr', null,
      h('td', { class: 'prop-name' }, h('code', null, p.name), h('span', { class: 'where' }, p.in), p.required ? h('span', { class: 'req' }, 'required') : null),
      h('td', null, typeLabel(p.schema), p.description || p.schema?.description ? h('div', { class: 'prop-desc' }, p.description ?? p.schema.description) : null),
    ))))] : null,
    body ? [h('h4', null, 'Request body ', h('span', { class: 'ctype' }, body[0])), schemaBlock(body[1].schema)] : null,
    h('h4', null, 'Responses'),
    h('div', { class: 'responses' },
      Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2')).map(([status, r]) => {
        const content = r.content ? Object.entries(r.content)[0] : undefined;
        return h('div', { class: 'response ok' },
          h('p', null, h('span', { class: 'status' }, status), ' ', content ? typeLabel(content[1].schema) : 'no body',
            content && content[0] !== 'application/json' ? h('span', { class: 'ctype' }, ` ${content[0]}`) : null,
            r.description && r.description !== 'Default Response' ? h('span', { class: 'prop-desc' }, ` — ${r.description}`) : null),
          content?.[1].schema?.$ref ? null : schemaBlock(content?.[1].schema),
        );
      }),
      errorLine(op),
    ),
    h('div', { class: 'examples' },
      h('div', null, h('h4', null, 'curl'), h('pre', { tabindex: 0 }, h('code', null, curl(method, path, op)))),
      SDK[key] ? h('div', null, h('h4', null, 'TypeScript SDK'), h('pre', { tabindex: 0 }, h('code', null, SDK[key]!))) : null,
    ),
  );
}

function intro(spec: Spec): HTMLElement {
  return h('section', { id: 'intro', class: 'intro' },
    h('h1', null, `${spec.info.title} API`, h('span', { class: 'version' }, ` v${spec.info.version}`)),
    spec.info.description ? h('p', { class: 'lede' }, spec.info.description) : null,
    h('p', null, 'Base URL ', h('code', null, location.origin), '. The machine-readable document is at ', h('a', { href: '/openapi.json', class: 'link' }, '/openapi.json'), ' (OpenAPI 3.1).'),
    h('h2', { id: 'auth' }, 'Authentication'),
    h('p', null, 'Send your key as ', h('code', null, 'Authorization: Bearer sk_…'), ' or ', h('code', null, 'x-api-key: sk_…'),
      '. Make one with ', h('code', null, 'npx genq keys create --name me --credits 1000'), '.'),
    h('h2', { id: 'flow' }, 'How a task flows'),
    h('p', null, 'Create a task and get its id at once (202). Then learn the outcome by long-polling ', h('code', null, 'GET /v1/tasks/{id}'), ' with ', h('code', null, 'Prefer: wait=N'),
      ', by the Server-Sent Events of ', h('code', null, '/v1/tasks/{id}/events'), ', or by a webhook. Result files sit behind signed URLs that expire; fetch the task again for fresh ones.'),
    h('h2', { id: 'errors' }, 'Errors'),
    h('p', null, 'Every error is ', h('code', null, '{"error":{"code","message","type"}}'), ' with a stable UPPER_SNAKE ', h('code', null, 'code'),
      '. 429 and 503 carry ', h('code', null, 'Retry-After'), '. A repeated create with the same ', h('code', null, 'Idempotency-Key'), ' header returns the first task.'),
    h('h2', { id: 'sdk' }, 'TypeScript SDK'),
    h('pre', { tabindex: 0 }, h('code', null, [
      "import { Genq } from 'genq/sdk';",
      `const genq = new Genq({ baseUrl: '${location.origin}', apiKey: process.env.GENQ_API_KEY });`,
      "const task = await genq.run({ capability: 'voice', action: 'tts', input: { text: 'Hello' } },",
      "                            { onCreated: (t) => console.log('created', t.id) });",
      'console.log(task.result?.files[0]?.url);',
    ].join('\n'))),
  );
}

async function main(): Promise<void> {
  const root = document.getElementById('docs')!;
  let spec: Spec;
  try {
    const res = await fetch('/openapi.json');
    if (!res.ok) throw new Error(`/openapi.json answered ${res.status}`);
    spec = (await res.json()) as Spec;
  } catch (e) {
    replace(root, h('p', { class: 'notice notice-error', role: 'alert' }, `Could not load the API description: ${(e as Error).message}`));
    return;
  }
  const groups = new Map<string, Array<[string, string, Operation]>>();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      groups.set(tag, [...(groups.get(tag) ?? []), [method, path, op]]);
    }
  }
  const schemas = Object.entries(spec.components?.schemas ?? {});
  const nav = h('nav', { class: 'docs-nav', 'aria-label': 'API reference' },
    h('a', { href: '/', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'genq'),
    h('ul', null,
      h('li', null, h('a', { href: '#intro' }, 'Introduction')),
      h('li', null, h('a', { href: '#auth' }, 'Authentication')),
      h('li', null, h('a', { href: '#errors' }, 'Errors')),
      h('li', null, h('a', { href: '#sdk' }, 'SDK')),
    ),
    [...groups.entries()].map(([tag, ops]) => [
      h('p', { class: 'nav-group' }, tag),
      h('ul', null, ops.map(([m, p]) => h('li', null, h('a', { href: `#${anchor(m, p)}` }, h('span', { class: `method method-${m}` }, m.toUpperCase()), ' ', p)))),
    ]),
    schemas.length ? [h('p', { class: 'nav-group' }, 'schemas'), h('ul', null, schemas.map(([n]) => h('li', null, h('a', { href: `#schema-${n}` }, n))))] : null,
  );
  const content = h('main', { class: 'docs-main', id: 'main' },
    intro(spec),
    [...groups.entries()].map(([tag, ops]) => h('section', { class: 'group' }, h('h2', { class: 'group-title' }, tag), ops.map(([m, p, op]) => operation(m, p, op)))),
    schemas.length ? h('section', { class: 'group' }, h('h2', { class: 'group-title' }, 'Schemas'),
      schemas.map(([name, s]) => h('section', { class: 'op schema-def', id: `schema-${name}` },
        h('h3', null, h('code', null, refName(name))),
        s.description ? h('p', null, s.description) : null,
        s.properties ? propertiesTable(s) : h('p', null, typeLabel({ ...s, $id: undefined }))))) : null,
  );
  replace(root, h('div', { class: 'docs' }, nav, content));
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

void main();
