// Compile tests of the types `@titan-connect/widget` ships (issue 13), against the packed package
// in a fresh npm app with React 19 and Vue 3: an app writes `import '@titan-connect/widget'` and no
// declaration, correct code compiles, and each mistake below fails on the marked line. A case that
// stopped failing would mean the types went loose (e.g. `any`), which compiling alone never shows.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConsumer, ROOT, run, type Consumer } from './consumer.ts';

// The versions current templates start with (create-vite react-ts / vue-ts).
const FRAMEWORKS = { react: '19.3.1', '@types/react': '19.3.0', vue: '3.5.45', 'vue-tsc': '3.3.14', typescript: '5.9.3' };

/** `/*!*\/` marks the line where the compiler must report an error; a case without it must compile. */
const MARK = '/*!*/';

const REACT_OK = `import '@titan-connect/widget';
import type { TitanConnectWidget, TitanConnectedEvent, TitanErrorEvent } from '@titan-connect/widget';
import { useRef } from 'react';

export function Connect({ widgetUrl, onLinked }: { widgetUrl: string; onLinked: (phone: string | null) => void }) {
  const ref = useRef<TitanConnectWidget>(null);
  return (
    <titan-connect-widget
      ref={ref}
      widget-url={widgetUrl}
      theme="dark"
      locale="es"
      className="whatsapp"
      ontitan-connected={(event) => {
        event.preventDefault();
        onLinked(event.detail.phone);
      }}
      ontitan-error={(event: TitanErrorEvent) => console.warn(event.detail.code, event.detail.retryable)}
      ontitan-expired={(event) => event.detail.reason === 'QR_TIMEOUT'}
    />
  );
}

// The DOM maps, without React.
const element: HTMLElementTagNameMap['titan-connect-widget'] = document.createElement('titan-connect-widget');
element.widgetUrl = 'https://titan.example.com/widget/connect?token=t';
element.addEventListener('titan-connected', (event: TitanConnectedEvent) => event.detail.method);
const onStatus = (event: HTMLElementEventMap['titan-status']) => event.detail.statusReason;
element.addEventListener('titan-status', onStatus);
document.addEventListener('titan-ready', (event) => event.detail.mode);
`;

const REACT_MISTAKES: Record<string, string> = {
  'a number for widget-url': `<titan-connect-widget ${MARK}widget-url={42} />`,
  'an unknown theme': `<titan-connect-widget ${MARK}theme="blue" />`,
  'a MouseEvent handler for titan-connected': `<titan-connect-widget ${MARK}ontitan-connected={(event: MouseEvent) => event.clientX} />`,
  'a detail field titan-error lacks': `<titan-connect-widget ontitan-error={(event) => ${MARK}event.detail.phone} />`,
};

const VUE_OK = `<script setup lang="ts">
import '@titan-connect/widget';
import type { TitanConnectedEvent } from '@titan-connect/widget';
defineProps<{ widgetUrl: string }>();
const onConnected = (event: TitanConnectedEvent) => event.detail.phone;
</script>
<template>
  <titan-connect-widget :widget-url="widgetUrl" theme="dark" @titan-connected="onConnected" @titan-error="(event) => event.detail.retryable" />
</template>
`;

const VUE_MISTAKES: Record<string, string> = {
  'a number for widget-url': `<titan-connect-widget ${MARK}:widget-url="42" />`,
  'an unknown theme': `<titan-connect-widget ${MARK}theme="blue" />`,
  'a MouseEvent handler for titan-connected': `<titan-connect-widget ${MARK}@titan-connected="(event: MouseEvent) => event.clientX" />`,
};

// The docs' snippets must compile as written: a reader copies them.
const DOCS = ['examples/spa/README.md', 'packages/widget/README.md', 'packages/loader/README.md', 'docs/widget.md', 'docs/embedding.md'];
const snippets = (lang: 'tsx' | 'vue') =>
  DOCS.flatMap((doc) => [...readFileSync(join(ROOT, doc), 'utf8').matchAll(new RegExp('```' + lang + '\\n([^]*?)```', 'g'))].map((match, i) => ({ doc, i, source: match[1]! })));

const reactFile = (jsx: string) => `import '@titan-connect/widget';\nexport const Mistake = () => (\n  ${jsx}\n);\n`;
const vueFile = (template: string) => `<script setup lang="ts">\nimport '@titan-connect/widget';\n</script>\n<template>\n  ${template}\n</template>\n`;

let consumer: Consumer;
before(async () => {
  consumer = await createConsumer(FRAMEWORKS);
});
after(() => consumer?.close());

interface Case {
  name: string;
  file: string;
  source: string;
}

/** Writes the cases to `dir`, compiles them all at once, and checks each against its mark. */
async function check(dir: string, cases: Case[], compile: () => Promise<string>) {
  for (const { file, source } of cases) writeFileSync(join(dir, file), source.replace(MARK, ''));
  const output = await compile().catch((error: Error) => error.message);
  for (const { name, file, source } of cases) {
    const escaped = file.replace('.', '\\.');
    const errors = [...output.matchAll(new RegExp(`^${escaped}\\((\\d+),\\d+\\): error`, 'gm'))].map((match) => Number(match[1]));
    const marked = source.split('\n').findIndex((line) => line.includes(MARK)) + 1;
    if (marked === 0) assert.deepEqual(errors, [], `${name} must compile:\n${output}`);
    else assert.ok(errors.includes(marked), `${name} must fail on line ${marked}, errors on ${JSON.stringify(errors)}:\n${output}`);
  }
}

describe('types shipped with @titan-connect/widget', () => {
  it('React 19: JSX attributes and ontitan-* handlers, HTMLElementTagNameMap, HTMLElementEventMap', async () => {
    const dir = join(consumer.dir, 'react-app');
    mkdirSync(dir);
    // What create-vite's react-ts template sets, but skipLibCheck off: the shipped .d.ts must be clean.
    const compilerOptions = { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx', strict: true, noEmit: true, skipLibCheck: false };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.tsx'] }));
    const cases: Case[] = [
      { name: 'correct React code', file: 'ok.tsx', source: REACT_OK },
      ...snippets('tsx').map(({ doc, i, source }, n) => ({ name: `${doc} tsx snippet ${i + 1}`, file: `doc${n}.tsx`, source })),
      ...Object.entries(REACT_MISTAKES).map(([name, jsx], i) => ({ name, file: `mistake${i}.tsx`, source: reactFile(jsx) })),
    ];
    await check(dir, cases, () => run(process.execPath, [join(consumer.dir, 'node_modules/typescript/bin/tsc'), '-p', '.', '--pretty', 'false'], dir));
  });

  it('Vue 3: props and @titan-* listeners through GlobalComponents (vue-tsc, strictTemplates)', async () => {
    const dir = join(consumer.dir, 'vue-app');
    mkdirSync(dir);
    const compilerOptions = { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true, jsx: 'preserve' };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.vue'], vueCompilerOptions: { strictTemplates: true } }));
    const cases: Case[] = [
      { name: 'correct Vue code', file: 'Ok.vue', source: VUE_OK },
      ...snippets('vue').map(({ doc, i, source }, n) => ({ name: `${doc} vue snippet ${i + 1}`, file: `Doc${n}.vue`, source })),
      ...Object.entries(VUE_MISTAKES).map(([name, template], i) => ({ name, file: `Mistake${i}.vue`, source: vueFile(template) })),
    ];
    await check(dir, cases, () => run(process.execPath, [join(consumer.dir, 'node_modules/vue-tsc/bin/vue-tsc.js'), '-p', '.', '--pretty', 'false'], dir));
  });
});
