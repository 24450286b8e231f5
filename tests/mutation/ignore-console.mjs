// A Stryker "ignorer": no mutants inside logging calls, console.* or our pino loggers' `log.*`
// (lib/log.ts). Log wording and fields are for operators reading logs, not behaviour the tests pin;
// mutating them only produces survivors nobody should kill.
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
        const isLogging =
          callee.type === 'MemberExpression' &&
          callee.object.type === 'Identifier' &&
          (callee.object.name === 'console' || callee.object.name === 'log');
        return isLogging ? 'log output is wording for operators, not pinned behaviour' : undefined;
      },
    },
  },
];
