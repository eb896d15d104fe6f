/**
 * What status knows of an API instance and of a type's price, and the arithmetic on them
 * (price in a region, cost accrued so far). Shared by the single-instance merge (merge.ts) and
 * the replica views (replicas.ts), which is why it is a module of its own.
 */

/** The fields of an API instance that status needs (a structural subset of api-v4's Linode). */
export interface InstanceFacts {
  readonly id: number;
  readonly label: string;
  readonly status: string;
  readonly region: string;
  readonly type: string | null;
  readonly ipv4: readonly string[];
  readonly tags: readonly string[];
  readonly created: string;
}

export interface TypePrice {
  readonly id: string;
  readonly price: { readonly hourly: number | null; readonly monthly: number | null };
  readonly region_prices: readonly {
    readonly id: string;
    readonly hourly: number | null;
    readonly monthly: number | null;
  }[];
}

/** API timestamps are UTC without a zone designator. */
export function parseApiTime(value: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

export function priceOf(
  types: readonly TypePrice[],
  typeId: string | undefined,
  region: string | undefined,
): { hourly: number; monthly?: number } | undefined {
  const type = types.find((t) => t.id === typeId);
  if (!type) return undefined;
  const regional = type.region_prices.find((p) => p.id === region);
  const hourly = regional?.hourly ?? type.price.hourly;
  if (hourly === null || hourly === undefined) return undefined;
  const monthly = regional?.monthly ?? type.price.monthly;
  return monthly === null || monthly === undefined ? { hourly } : { hourly, monthly };
}

/**
 * Linode bills each started hour, up to the monthly cap, whether the instance is running or
 * powered off. This estimate caps at one monthly price (it does not know billing-cycle dates).
 */
export function accruedCost(
  price: { hourly: number; monthly?: number },
  createdMs: number,
  nowMs: number,
): number {
  const hours = Math.max(1, Math.ceil((nowMs - createdMs) / 3_600_000));
  const cost = hours * price.hourly;
  return Math.round((price.monthly !== undefined ? Math.min(cost, price.monthly) : cost) * 10_000) / 10_000;
}
