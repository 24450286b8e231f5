// A Stryker "ignorer": no mutants inside console.* calls. Log wording is for operators reading
// logs, not behaviour the tests pin; mutating it only produces survivors nobody should kill.
// (The plain object is what @stryker-mutator/api's declareValuePlugin(PluginKind.Ignore, …) builds.)
export const strykerPlugins = [
  {
    kind: 'Ignore',
    name: 'console',
    value: {
      /** @param {{ isCallExpression(): boolean, node: any }} path */
      shouldIgnore(path) {
        if (!path.isCallExpression()) return undefined;
        const callee = path.node.callee;
        const isConsole =
          callee.type === 'MemberExpression' &&
          callee.object.type === 'Identifier' &&
          callee.object.name === 'console';
        return isConsole ? 'console output is log wording, not pinned behaviour' : undefined;
      },
    },
  },
];
