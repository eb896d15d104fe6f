/**
 * `status` as a CLI of its own (see entries/plan.ts): its start-up has a budget too, and the
 * Linode client it loads (~1 MB of JavaScript) is mostly compile time without a code cache.
 */
import { statusSpec } from '../commands/status.js';
import { entryMain } from '../framework/entry.js';
import * as handler from '../handlers/status.js';

export { default } from '../handlers/status.js';
export const main = entryMain(statusSpec, handler);
