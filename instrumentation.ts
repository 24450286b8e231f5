// Next.js calls register() once when a server process starts (not during `next build`).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { exitUnlessConfigValid } = await import('./lib/check-config');
  exitUnlessConfigValid();
  const { startReconciler } = await import('./lib/orders/start-reconciler');
  startReconciler();
}
