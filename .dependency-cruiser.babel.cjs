// How dependency-cruiser reads TypeScript: TypeScript 7 has no JavaScript compiler API for it to use,
// so Babel strips the types. Type-only imports are turned into plain ones first: a cycle through
// `import type` is still a cycle between two modules that each need the other to be understood.
const keepTypeImports = () => ({
  visitor: {
    // On Program entry, because that is where the TypeScript transform drops type-only imports.
    Program(path) {
      for (const node of path.node.body) {
        if (!node.source) continue;
        node.importKind = 'value';
        node.exportKind = 'value';
        for (const specifier of node.specifiers ?? []) {
          specifier.importKind = 'value';
          specifier.exportKind = 'value';
        }
      }
    },
  },
});

module.exports = {
  plugins: [keepTypeImports],
  presets: [['@babel/preset-typescript', { onlyRemoveTypeImports: true }]],
};
