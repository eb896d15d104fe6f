/**
 * What the watcher asks `nvidia-smi` and how it reads the answer.
 *
 * The field names are those `nvidia-smi --help-query-gpu` lists (NVIDIA driver 5xx);
 * `--format=csv,noheader,nounits` prints one line per GPU, the values in the order asked,
 * separated by ", ", numbers without units, and `[N/A]` / `[Not Supported]` where the GPU or
 * driver has no value (e.g. ECC counters on a GPU without ECC, power on some boards).
 */

/** The throttle-reason field: its current name (driver 530+) and the older one, accepted by both older and newer drivers. */
export const THROTTLE_FIELD_NAMES = [
  'clocks_event_reasons.active',
  'clocks_throttle_reasons.active',
] as const;

export function queryFields(throttleField: string): string[] {
  return [
    'index',
    'uuid',
    'name',
    'pci.bus_id',
    'utilization.gpu',
    'utilization.memory',
    'memory.used',
    'memory.total',
    'memory.free',
    'temperature.gpu',
    'power.draw',
    throttleField,
    'ecc.errors.uncorrected.volatile.total',
  ];
}

export interface GpuSample {
  index: number;
  uuid: string;
  name: string;
  pci_bus_id: string;
  /** Percent; null where nvidia-smi printed [N/A]. */
  utilization_gpu: number | null;
  utilization_memory: number | null;
  /** MiB. */
  memory_used_mib: number | null;
  memory_total_mib: number | null;
  memory_free_mib: number | null;
  temperature_c: number | null;
  power_draw_w: number | null;
  /** The active clock event (throttle) reasons bitmask, or null. */
  throttle_reasons: number | null;
  /** Names of the active reasons that slow the GPU down (idle and app-clock settings left out). */
  throttle: string[];
  ecc_uncorrected_volatile: number | null;
}

/**
 * NVML's clock event reason bits (nvmlClocksEventReason*) that mean the GPU is slowed down by
 * its power or thermal limits (HW slowdown: either, or an external power brake). GPU idle (0x1),
 * application clock settings (0x2), sync boost and display clocks are normal operation.
 */
export const THROTTLE_BITS: readonly (readonly [number, string])[] = [
  [0x4, 'sw_power_cap'],
  [0x8, 'hw_slowdown'],
  [0x20, 'sw_thermal_slowdown'],
  [0x40, 'hw_thermal_slowdown'],
  [0x80, 'hw_power_brake_slowdown'],
];

export function throttleNames(mask: number | null): string[] {
  if (mask === null) return [];
  return THROTTLE_BITS.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);
}

export class MalformedOutput extends Error {}

const NOT_AVAILABLE = /^\[(N\/A|Not Supported|Unknown Error|Insufficient Permissions|GPU is lost)\]$/i;

function numberField(value: string, field: string): number | null {
  if (NOT_AVAILABLE.test(value) || value === 'N/A') return null;
  // Hex for the reasons bitmask, decimal elsewhere.
  const number = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : Number(value);
  if (value === '' || !Number.isFinite(number))
    throw new MalformedOutput(`${field} is "${value.slice(0, 40)}"`);
  return number;
}

function textField(value: string): string {
  return NOT_AVAILABLE.test(value) ? '' : value.slice(0, 200);
}

/** One `--format=csv,noheader,nounits` answer to queryFields() → one sample per GPU. */
export function parseQueryOutput(text: string): GpuSample[] {
  const samples: GpuSample[] = [];
  const count = queryFields('').length;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const values = line.split(',').map((value) => value.trim());
    if (values.length !== count)
      throw new MalformedOutput(`expected ${count} fields, got ${values.length}: "${line.slice(0, 80)}"`);
    const field = (position: number) => values[position] ?? '';
    const index = field(0);
    const gpuIndex = numberField(index, 'index');
    if (gpuIndex === null || !Number.isInteger(gpuIndex)) throw new MalformedOutput(`index is "${index}"`);
    const mask = numberField(field(11), 'throttle reasons');
    samples.push({
      index: gpuIndex,
      uuid: textField(field(1)),
      name: textField(field(2)),
      pci_bus_id: textField(field(3)),
      utilization_gpu: numberField(field(4), 'utilization.gpu'),
      utilization_memory: numberField(field(5), 'utilization.memory'),
      memory_used_mib: numberField(field(6), 'memory.used'),
      memory_total_mib: numberField(field(7), 'memory.total'),
      memory_free_mib: numberField(field(8), 'memory.free'),
      temperature_c: numberField(field(9), 'temperature.gpu'),
      power_draw_w: numberField(field(10), 'power.draw'),
      throttle_reasons: mask,
      throttle: throttleNames(mask),
      ecc_uncorrected_volatile: numberField(field(12), 'ecc.errors.uncorrected.volatile.total'),
    });
  }
  if (samples.length === 0) throw new MalformedOutput('no GPU lines');
  return samples;
}

/** "00000000:3B:00.0" (nvidia-smi) and "0000:3b:00" (kernel log) → "3b:00", the bus and device. */
export function pciKey(address: string): string {
  const match = /([0-9a-f]{2}):([0-9a-f]{2})(?:\.[0-7])?$/i.exec(address.trim());
  return match ? `${match[1]}:${match[2]}`.toLowerCase() : address.toLowerCase();
}
