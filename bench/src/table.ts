/** A plain-text table for the benchmark summary (also pasted into the README). */
export interface Row {
  benchmark: string;
  p50: number;
  p90: number;
  unit: string;
  runs: number;
}

export function formatTable(rows: Row[]): string {
  return formatGrid(
    ['benchmark', 'p50', 'p90', 'unit', 'runs'],
    rows.map((r) => [r.benchmark, String(r.p50), String(r.p90), r.unit, String(r.runs)]),
  );
}

/** A Markdown-style table with padded columns. */
export function formatGrid(header: string[], cells: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
