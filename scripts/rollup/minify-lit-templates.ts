// Lit keeps template text as written; collapse the indentation of css`` and html`` literals and
// drop comments (a few hundred bytes gzipped of the widget's 20 KB budget). Only whitespace runs
// that hold a newline are touched, which is meaningless in CSS and in HTML outside
// <pre>/<textarea>, which we never use.
//
// TypeScript's own parser finds the templates, so whatever sits inside `${}` (a regex with a
// backtick, a comment with an apostrophe, a nested template) is read as the language reads it;
// only the text between the expressions is rewritten, in place, so the rest of the module keeps
// its bytes.
import ts from 'typescript';
import type { Plugin } from 'rollup';

const TAGS = new Set(['css', 'html']);
type Tag = 'css' | 'html';

/** Tidies one text piece of a template (between backticks and `${}`s), raw as in the source. */
export function tidyTemplateText(text: string, tag: Tag): string {
  // A backslash before a newline is a line continuation (the newline is not in the string): kept.
  const collapsed = text.replace(/(?<!\\)\n\s*/g, ' ');
  if (tag === 'html') return collapsed.replace(/<!--[^]*?-->/g, '');
  return collapsed
    .replace(/\/\*[^*]*\*+([^/*][^*]*\*+)*\//g, '')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .replace(/([\s:,(-])0\.(\d)/g, '$1.$2');
}

/** Where a template's text pieces are in the source: `[start, end)` between its delimiters. */
function textRanges(template: ts.TemplateLiteral, source: ts.SourceFile): [number, number][] {
  // Each literal token starts at its opening delimiter (` or }) and ends after its closing one (` or ${).
  if (ts.isNoSubstitutionTemplateLiteral(template)) return [[template.getStart(source) + 1, template.end - 1]];
  const ranges: [number, number][] = [[template.head.getStart(source) + 1, template.head.end - 2]];
  for (const { literal } of template.templateSpans) {
    ranges.push([literal.getStart(source) + 1, literal.end - (ts.isTemplateTail(literal) ? 1 : 2)]);
  }
  return ranges;
}

/** The module with every css``/html`` template's text tidied, or null when nothing changed. */
export function minifyLitTemplateCode(code: string, fileName = 'module.js'): string | null {
  if (!/\b(?:css|html)\s*`/.test(code)) return null;
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && TAGS.has(node.tag.text)) {
      for (const [start, end] of textRanges(node.template, source)) {
        const raw = code.slice(start, end);
        const text = tidyTemplateText(raw, node.tag.text as Tag);
        if (text !== raw) edits.push({ start, end, text });
      }
    }
    // Templates nested in `${}` are visited too, each tidied by its own tag.
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (edits.length === 0) return null;
  let out = '';
  let at = 0;
  for (const { start, end, text } of edits.sort((a, b) => a.start - b.start)) {
    out += code.slice(at, start) + text;
    at = end;
  }
  return out + code.slice(at);
}

/** Rollup plugin: runs after TypeScript (plain JS in), before terser. */
export const minifyLitTemplates = (include = (id: string) => id.includes('/packages/widget/src/')): Plugin => ({
  name: 'minify-lit-templates',
  transform(code, id) {
    if (!include(id)) return null;
    const out = minifyLitTemplateCode(code, id);
    return out === null ? null : { code: out, map: null };
  },
});
