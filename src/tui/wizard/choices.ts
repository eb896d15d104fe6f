/**
 * Ordering and labels for the wizard's lists. Every type the API offers is listed (the
 * original tool showed 15 and hid the rest): grouped by class, GPUs first, cheapest first
 * within a class.
 */
import { formatPrice } from '../format.js';
import type { RegionChoice, TemplateChoice, TypeChoice } from './types.js';

const CLASS_ORDER = ['gpu', 'dedicated', 'standard', 'highmem', 'premium', 'nanode'];

const CLASS_TITLES: Readonly<Record<string, string>> = {
  gpu: 'GPU',
  dedicated: 'Dedicated CPU',
  standard: 'Shared CPU',
  highmem: 'High memory',
  premium: 'Premium',
  nanode: 'Nanode',
};

export function classTitle(typeClass: string): string {
  return CLASS_TITLES[typeClass] ?? typeClass;
}

function classRank(typeClass: string): number {
  const index = CLASS_ORDER.indexOf(typeClass);
  return index < 0 ? CLASS_ORDER.length : index;
}

export function orderTypes(types: readonly TypeChoice[]): TypeChoice[] {
  return [...types].sort(
    (a, b) =>
      classRank(a.typeClass) - classRank(b.typeClass) ||
      a.typeClass.localeCompare(b.typeClass) ||
      (a.hourly ?? Number.POSITIVE_INFINITY) - (b.hourly ?? Number.POSITIVE_INFINITY) ||
      a.id.localeCompare(b.id),
  );
}

/** "$0.036/h", or "price unknown" when the API gave none (never a guess). */
export function hourlyLabel(hourly: number | undefined): string {
  const price = formatPrice(hourly);
  return price === undefined ? 'price unknown' : `${price}/h`;
}

export function typeLine(type: TypeChoice): string {
  const memory = type.memory >= 1024 ? `${Math.round(type.memory / 1024)} GB` : `${type.memory} MB`;
  const gpu = type.gpus > 0 ? `  GPU×${type.gpus}` : '';
  return `${type.id.padEnd(22)} ${`${type.vcpus} vCPU`.padEnd(8)} ${memory.padStart(6)}  ${hourlyLabel(type.hourly).padStart(10)}${gpu}`;
}

export function regionLine(region: RegionChoice): string {
  return `${region.id.padEnd(12)} ${region.label}${region.gpu ? '  [GPU]' : ''}`;
}

export function templateLine(template: TemplateChoice): string {
  const env = template.requiredEnv.length > 0 ? `  (needs ${template.requiredEnv.length} env)` : '';
  const source = template.source === 'user' ? ' [installed]' : '';
  return `${template.name.padEnd(18)} ${template.displayName}${source}${env}`;
}

/** Index of `id` in `items` (by id), or 0. */
export function indexOfId(items: readonly { readonly id: string }[], id: string | undefined): number {
  const index = id === undefined ? -1 : items.findIndex((item) => item.id === id);
  return Math.max(index, 0);
}
