// `cem analyze` (run by `build`): the class comments are the contract; this turns them into
// custom-elements.json for editors, Storybook and docs.
/** Class name → its internal reactive state (`static properties` entries with `state: true`). */
const stateOnly = new Map();

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
  ],
};
