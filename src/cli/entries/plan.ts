/**
 * `plan` as a CLI of its own, built as one CommonJS bundle (dist/handlers/plan-<hash>.cjs) that
 * bin/linode-build.js runs through the V8 code cache without loading the ES module CLI (plan's
 * start-up has a budget). The full CLI takes the handler (`default`) from the same bundle.
 */
import { planSpec } from '../commands/plan.js';
import { entryMain } from '../framework/entry.js';
import * as handler from '../handlers/plan.js';

export { default } from '../handlers/plan.js';
export const main = entryMain(planSpec, handler);
