/** Aligned text tables (status, reap, plan): columns sized by display width, not characters. */
import { displayWidth } from './display-width.js';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  readonly align?: 'left' | 'right';
}

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string[] {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  // Display cells, not characters: CJK and emoji take two, colour codes none.
  const widths = columns.map((column, i) =>
    Math.max(displayWidth(column.header), ...cells.map((rowCells) => displayWidth(rowCells[i]!))),
  );
  const format = (values: readonly string[]) =>
    values
      .map((value, i) => {
        const pad = ' '.repeat(widths[i]! - displayWidth(value));
        return columns[i]!.align === 'right' ? pad + value : value + pad;
      })
      .join('  ')
      .trimEnd();
  return [format(columns.map((column) => column.header)), ...cells.map(format)];
}
