// Next.js calls register() once when a server process starts (not during `next build`).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { exitUnlessConfigValid } = await import('./lib/check-config');
  exitUnlessConfigValid();
  // One signed call to WeChat: merchant key, serial and APIv3 key work (and the certificates are there).
  const { exitUnlessWechatPayReady } = await import('./lib/platform-certificates/startup-check');
  await exitUnlessWechatPayReady();
  const { startReconciler } = await import('./lib/orders/start-reconciler');
  startReconciler();
}
