// `cem analyze` (run by `build`): the class comments are the contract; this turns them into
// custom-elements.json for editors, Storybook and docs.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/test/**', 'src/generated/**'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // `dispatchEvent(new TitanReadyEvent(…))` is seen as an event without a name; the named
      // ones come from the `@event` tags, so the nameless duplicates are dropped.
      name: 'public-contract-only',
      packageLinkPhase({ customElementsManifest }) {
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
