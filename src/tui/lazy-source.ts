/**
 * Defers building the real DataSource (which loads the Linode API library) until the first
 * call, so the dashboard's first frame ("loading…") paints while that happens.
 */
import type { DataSource } from './data.js';

export function lazySource(load: () => Promise<DataSource>): DataSource {
  let loading: Promise<DataSource> | undefined;
  const get = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    list: async () => (await get()).list(),
    detail: async (id) => (await get()).detail(id),
    destroy: async (id, onProgress) => (await get()).destroy(id, onProgress),
    logs: async (id, lines) => (await get()).logs(id, lines),
  };
}
