/** `templates list` as a CLI of its own (see entries/plan.ts): its start-up has a budget. */
import { templatesListSpec } from '../commands/templates-list.js';
import { entryMain } from '../framework/entry.js';
import * as handler from '../handlers/templates-list.js';

export { default } from '../handlers/templates-list.js';
export const main = entryMain(templatesListSpec, handler);
