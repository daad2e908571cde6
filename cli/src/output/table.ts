/** Plain aligned columns, as kubectl prints them: upper-case headers, three spaces between. */

const GAP = '   ';

export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join(GAP)
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((text) => `${text}\n`).join('');
}

/** A list cell: comma-separated, `<none>` when empty, shortened after `max` items as kubectl does. */
export function listCell(values: readonly string[], max = 3): string {
  if (values.length === 0) return '<none>';
  if (values.length <= max) return values.join(',');
  return `${values.slice(0, max).join(',')} + ${values.length - max} more...`;
}
