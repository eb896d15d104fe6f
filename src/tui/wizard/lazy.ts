/**
 * Defers loading the wizard's production backend (the deploy domain and the Linode API
 * library) until the wizard is opened, so the dashboard's first frame does not wait for it.
 */
import type { WizardBackend } from './types.js';

export function lazyWizard(load: () => Promise<WizardBackend>): WizardBackend {
  let loading: Promise<WizardBackend> | undefined;
  let loaded: WizardBackend | undefined;
  const get = () => {
    loading ??= load().then(
      (backend) => {
        loaded = backend;
        return backend;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  return {
    templates: async () => (await get()).templates(),
    offerings: async () => (await get()).offerings(),
    // Only asked after templates() has answered, so the backend is loaded by then.
    checkDirectory: (directory) =>
      loaded ? loaded.checkDirectory(directory) : 'Still loading; press Enter again.',
    start: async (answers, session) => (await get()).start(answers, session),
  };
}
