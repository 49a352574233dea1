import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minifyLitTemplateCode } from './minify-lit-templates.js';

// [what, module in, module out (null: untouched)]
const CASES: [string, string, string | null][] = [
  // The two inputs the hand-written tokenizer failed on: it threw on the first and never returned
  // on the second (it took the apostrophe for the start of a string).
  ['a backtick inside a ${} regex', "html`<p>\n  ${name.replace(/`/g, '')}\n</p>`", "html`<p> ${name.replace(/`/g, '')} </p>`"],
  ["/* it's */ inside ${}", "html`<p>\n  ${/* it's */ name}\n</p>`", "html`<p> ${/* it's */ name} </p>`"],
  ['html: indentation collapsed, comments dropped', 'html`\n  <!-- why -->\n  <b>${a}</b>\n`', 'html`  <b>${a}</b> `'],
  ['css: whitespace, comments, ;} and leading zeros', 'css`\n  :host {\n    /* note */\n    opacity: 0.5;\n  }\n`', 'css` :host{opacity:.5}`'],
  ['templates nested in ${}, each by its own tag', 'html`<ul>\n  ${items.map((i) => html`<li>\n    ${i}\n  </li>`)}\n</ul>`', 'html`<ul> ${items.map((i) => html`<li> ${i} </li>`)} </ul>`'],
  ['a string holding a backtick and ${ in ${}', "html`<i>\n  ${'`${' + x}\n</i>`", "html`<i> ${'`${' + x} </i>`"],
  ['a template without indentation: untouched', 'html`<b>${a}</b>`', null],
  ['other tags and plain templates: untouched', 'sql`SELECT\n  1`; `a\n  b`; const html = 1;', null],
  ['"html`" inside a string is not a template', "const s = 'html`\\n  x';", null],
  ['a line continuation keeps its newline', 'html`<b>\\\n  x</b>`', null],
  ['the code around the templates keeps its bytes', 'const a = 1 ;\nexport const t = css`\n  b { }\n` ;  // x', 'const a = 1 ;\nexport const t = css` b{}` ;  // x'],
];

for (const [name, input, expected] of CASES) {
  test(`minifyLitTemplateCode: ${name}`, () => {
    assert.equal(minifyLitTemplateCode(input), expected);
  });
}
