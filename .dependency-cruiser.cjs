// Architecture rules, checked in CI (`npm run lint:arch`). Each rule says why it exists; a violation
// names the rule and the import that breaks it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order matter and hide which module owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'routes-and-ui-through-the-domain',
      severity: 'error',
      comment:
        'app/ and components/ reach the database, Redis and WeChat Pay only through the domain modules ' +
        '(lib/orders, lib/accounts, lib/health, …), which own the money rules and the cache.',
      from: { path: '^(app|components)/' },
      to: {
        path: [
          '^lib/(db|redis|redis-transport)[.]ts$',
          '^lib/wechat-pay/',
          '^lib/generated/',
          '^node_modules/(@prisma/|prisma/|pg/|@upstash/redis/)',
        ],
      },
    },
    {
      name: 'adapter-is-self-contained',
      severity: 'error',
      comment:
        'lib/wechat-pay is the provider adapter: it knows WeChat Pay, not our domain. Only its wiring ' +
        '(from-env.ts) reads our validated env.',
      from: { path: '^lib/wechat-pay/', pathNot: '^lib/wechat-pay/from-env[.]ts$' },
      to: { path: '^(lib|app|components)/', pathNot: ['^lib/wechat-pay/', '^lib/china-time[.]ts$'] },
    },
    {
      name: 'sandbox-shares-nothing',
      severity: 'error',
      comment:
        'The WeChat Pay sandbox is an independent implementation of the protocol: sharing code with the ' +
        'app would let a bug on one side hide the same bug on the other. The one exception is the shared ' +
        'logger setup (packages/log), which knows nothing of payments.',
      from: { path: '^packages/wechatpay-sandbox/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot: ['^packages/wechatpay-sandbox/', '^packages/log/', '^node_modules/'],
      },
    },
    {
      name: 'app-never-runs-the-sandbox',
      severity: 'error',
      comment: 'Only tests and local scripts start the sandbox; the app talks to WeChat Pay over HTTP.',
      from: { pathNot: '^(tests|e2e|scripts|packages/wechatpay-sandbox)/' },
      to: { path: '^packages/wechatpay-sandbox/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or an undeclared package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^lib/generated/', '^[.]next/', '^[.]data/'] },
    // TypeScript 7 has no JavaScript compiler API for dependency-cruiser to parse with: Babel strips
    // the types instead (.dependency-cruiser.babel.cjs keeps type-only imports, so they count too).
    babelConfig: { fileName: '.dependency-cruiser.babel.cjs' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Without the TypeScript API dependency-cruiser doesn't resolve .ts files on its own.
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
