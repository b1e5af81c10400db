/**
 * The dependency direction of src/, checked by `npm run deps` (part of `npm test`).
 * Lower layers never import higher ones:
 *   text/vi → core → catalogue, places → flow → stats → store → conversation → channels, admin → wiring
 * (assistant.ts, server.ts, backends.ts, main.ts, cli.ts). A folder defines the store port it
 * needs (catalogue/ports.ts, flow/ports.ts); src/store implements them.
 */
const layer = (from, mayNotImport, comment) => ({
  name: `${from.replace(/[^a-z-]/g, '')}-layer`,
  comment,
  severity: 'error',
  from: { path: `^src/${from}` },
  to: { path: `^src/(${mayNotImport.join('|')})` },
});
const WIRING = ['assistant\\.ts', 'server\\.ts', 'backends\\.ts', 'main\\.ts', 'cli\\.ts', 'conversations-runner\\.ts', 'demo/'];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles between modules.', from: {}, to: { circular: true } },
    layer('text/', ['core/', 'catalogue/', 'places/', 'flow/', 'stats/', 'store/', 'conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'Text handling is the bottom layer.'),
    layer('core/', ['catalogue/', 'places/', 'flow/', 'stats/', 'store/', 'conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'The message model and session depend on text handling only.'),
    layer('catalogue/', ['places/', 'flow/', 'stats/', 'store/', 'conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'The catalogue defines its store port; it never imports the store.'),
    layer('places/', ['flow/', 'stats/', 'store/', 'conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'Places sit beside the catalogue.'),
    layer('flow/', ['stats/', 'store/', 'conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'Flows define their store port; the conversation runs them, not the other way round.'),
    layer('stats/', ['store/', 'conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'Statistics read events; they never build the app.'),
    layer('coord/', ['text/', 'catalogue/', 'places/', 'flow/', 'stats/', 'store/', 'conversation/', 'channels/', 'admin/', 'http/', ...WIRING], 'Coordination knows nothing of the domain (core/ helpers only).'),
    layer('store/', ['conversation/', 'channels/', 'admin/', 'http/', 'coord/', ...WIRING], 'Stores implement ports; they never reach into the conversation or the UI.'),
    layer('conversation/', ['channels/', 'admin/', 'http/', ...WIRING], 'The router pipeline knows no channel and no UI.'),
    layer('channels/', ['catalogue/', 'places/', 'flow/', 'stats/', 'conversation/', 'admin/', ...WIRING], 'A channel speaks one messenger; it hands messages to `handle`.'),
    layer('http/', ['catalogue/', 'places/', 'flow/', 'stats/', 'store/', 'conversation/', 'admin/', ...WIRING], 'The HTTP app only mounts channels and plugins.'),
    layer('admin/', ['conversation/steps/', ...WIRING], 'The admin UI is a plugin of the HTTP app; it does not build the app.'),
    {
      name: 'channel-types-stay-home',
      comment: 'No other folder imports a channel’s own types (only channels/channel.ts and the wiring).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/channels/', '^src/assistant\\.ts$'] },
      to: { path: '^src/channels/(telegram|zalo|zalo-oa|web)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)static/' },
  },
};
