import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COLUMN_GAP,
  fitCell,
  formatAge,
  formatHourlyTotal,
  formatPrice,
  layoutColumns,
  MARKER_WIDTH,
  totals,
} from '../../src/tui/format.js';
import { NOW, view } from './fake-source.js';

describe('layoutColumns', () => {
  it('never exceeds the terminal width (property over widths 40–300)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 300 }), (width) => {
        const columns = layoutColumns(width);
        const used =
          MARKER_WIDTH + columns.reduce((sum, c) => sum + c.width, 0) + COLUMN_GAP * (columns.length - 1);
        expect(used).toBeLessThanOrEqual(width);
        expect(columns.map((c) => c.key)).toContain('id');
      }),
    );
  });

  it('keeps every column on a wide terminal and drops the least important first on a narrow one', () => {
    expect(layoutColumns(160).map((c) => c.key)).toEqual([
      'id',
      'app',
      'env',
      'region',
      'type',
      'status',
      'health',
      'issues',
      'price',
      'age',
    ]);
    const at80 = layoutColumns(80).map((c) => c.key);
    expect(at80).not.toContain('type');
    expect(at80).toEqual(expect.arrayContaining(['id', 'app', 'env', 'status', 'health', 'issues', 'price']));
  });
});

describe('formatting', () => {
  it('fits cells to a width with an ellipsis, counting wide characters as two', () => {
    expect(fitCell('abcdef', 4)).toBe('abc…');
    expect(fitCell('ab', 4)).toBe('ab  ');
    expect(fitCell('7', 3, 'right')).toBe('  7');
    expect(fitCell('日本語テキスト', 6)).toBe('日本… ');
  });

  it('formats ages and prices, and says nothing when it does not know', () => {
    expect(formatAge(new Date(NOW - 42_000).toISOString(), NOW)).toBe('42s');
    expect(formatAge(new Date(NOW - 3 * 3600_000).toISOString(), NOW)).toBe('3h');
    expect(formatAge(new Date(NOW - 5 * 86400_000).toISOString(), NOW)).toBe('5d');
    expect(formatAge(undefined, NOW)).toBeUndefined();
    expect(formatAge('not a date', NOW)).toBeUndefined();
    expect(formatPrice(0.0075)).toBe('$0.007');
    expect(formatPrice(1.5)).toBe('$1.50');
    expect(formatPrice(undefined)).toBeUndefined();
  });

  it('totals count running and unhealthy and mark a partial price sum as a lower bound', () => {
    const all = totals([
      view('a1', { hourlyPrice: 0.5 }),
      view('b2', { instanceStatus: 'offline', health: 'unhealthy', hourlyPrice: 0.25 }),
      view('c3', { hourlyPrice: undefined }),
    ]);
    expect(all).toEqual({ count: 3, running: 2, unhealthy: 1, hourly: 0.75, unpriced: 1 });
    expect(formatHourlyTotal(all)).toBe('≥ $0.750/h (1 unpriced)');
    expect(formatHourlyTotal(totals([view('a1', { hourlyPrice: undefined })]))).toBe('unknown $/h');
    expect(formatHourlyTotal(totals([view('a1', { hourlyPrice: 2 })]))).toBe('$2.00/h');
  });
});

describe('content-aware widths', () => {
  it('widens the app column to fit its longest name when there is room, and no further', () => {
    const app = (width: number, content: number) =>
      layoutColumns(width, { app: content }).find((c) => c.key === 'app')!.width;
    expect(app(100, 17)).toBe(17);
    expect(app(160, 17)).toBe(17);
    expect(app(160, 200)).toBe(30);
    expect(app(64, 17)).toBeLessThan(17);
  });
});
