// `cem analyze` (run by `build`): the class comments are the contract; this turns them into
// custom-elements.json for editors, Storybook and docs, and from it the editors' own formats:
// `vscode.html-custom-data.json` (VS Code) and `web-types.json` (JetBrains). All three ship in
// the package, so the manifest describes the published files (dist/types), not src/.
import { posix } from 'node:path';
import { customElementJetBrainsPlugin } from 'custom-element-jet-brains-integration';
import { customElementVsCodePlugin } from 'custom-element-vs-code-integration';

/** Class name → its internal reactive state (`static properties` entries with `state: true`). */
const stateOnly = new Map();
/** Event name → its class (`class TitanReadyEvent extends Event { … super('titan-ready', …) }`). */
const eventClasses = new Map();
/** The sub-views: defined by the package, but placed only by `<titan-connect-widget>` itself. */
const INTERNAL = ['TitanQrPanel', 'TitanPairingPanel', 'TitanStatusView', 'TitanCloudApiPanel'];

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/test/**', 'src/generated/**'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // The analyzer reads `static properties` but not `state: true`: without this, internal
      // state (`picked`, `busy`, …) would be listed as attributes.
      name: 'state-is-not-an-attribute',
      analyzePhase({ ts, node }) {
        if (!ts.isClassDeclaration(node) || !node.name) return;
        for (const member of node.members) {
          if (!ts.isPropertyDeclaration(member) || member.name.getText() !== 'properties' || !member.initializer) continue;
          if (!ts.isObjectLiteralExpression(member.initializer)) continue;
          const names = member.initializer.properties
            .filter((entry) => ts.isPropertyAssignment(entry) && /\bstate:\s*true\b/.test(entry.initializer.getText()))
            .map((entry) => entry.name.getText());
          stateOnly.set(node.name.getText(), new Set(names));
        }
      },
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            const state = stateOnly.get(declaration.name);
            if (!state) continue;
            declaration.attributes = declaration.attributes?.filter((attribute) => !state.has(attribute.fieldName));
            if (declaration.attributes?.length === 0) delete declaration.attributes;
            for (const member of declaration.members ?? []) if (state.has(member.name)) delete member.attribute;
          }
        }
      },
    },
    {
      // `@event` tags carry a name and a description; the type is the event class whose
      // constructor passes that name to `super`, read from src/events so it cannot drift.
      name: 'typed-events',
      analyzePhase({ ts, node }) {
        if (!ts.isClassDeclaration(node) || !node.name) return;
        const name = node.getText().match(/super\(\s*'(titan-[a-z-]+)'/)?.[1];
        if (name) eventClasses.set(name, node.name.getText());
      },
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            for (const event of declaration.events ?? []) {
              const type = eventClasses.get(event.name);
              if (type) event.type = { text: type };
            }
          }
        }
      },
    },
    {
      // `dispatchEvent(new TitanReadyEvent(…))` is seen as an event without a name; the named
      // ones come from the `@event` tags, so the nameless duplicates are dropped.
      name: 'public-contract-only',
      packageLinkPhase({ customElementsManifest }) {
        // Modules come in the order the analyzer finished them; sorted, a rebuild changes nothing.
        customElementsManifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            if (declaration.events) declaration.events = declaration.events.filter((event) => event.name);
            // The manifest is the public contract: private and protected members are not in it.
            if (declaration.members) {
              declaration.members = declaration.members.filter((member) => member.privacy !== 'private' && member.privacy !== 'protected');
            }
          }
        }
      },
    },
    {
      // The tarball has no src/: point each module at its declaration file under dist/types,
      // which holds the same exports (the code itself is bundled into dist/connect-widget.js).
      name: 'published-paths',
      packageLinkPhase({ customElementsManifest }) {
        // The analyzer writes `src/a.ts` for modules, `src/a.js` or `/src/a.js` for references.
        const published = (path) => path.replace(/^\/?src\//, 'dist/types/').replace(/\.(ts|js)$/, '.d.ts');
        for (const mod of customElementsManifest.modules) {
          const dir = posix.dirname(mod.path);
          mod.path = published(mod.path);
          for (const entry of [...(mod.exports ?? []), ...(mod.declarations ?? [])]) {
            for (const ref of [entry.declaration, entry.superclass, ...(entry.mixins ?? [])]) {
              // Relative references (`export … from './x.js'`) are relative to the module itself.
              if (ref?.module?.startsWith('.')) ref.module = posix.join(dir, ref.module);
              if (/^\/?src\//.test(ref?.module ?? '')) ref.module = published(ref.module);
            }
          }
        }
      },
    },
    customElementVsCodePlugin({ outdir: '.', htmlFileName: 'vscode.html-custom-data.json', cssFileName: null, exclude: INTERNAL }),
    customElementJetBrainsPlugin({ outdir: '.', webTypesFileName: 'web-types.json', excludeCss: true, exclude: INTERNAL, packageJson: false }),
  ],
};
