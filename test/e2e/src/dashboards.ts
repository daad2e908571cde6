/** The Grafana dashboards under deploy/grafana/dashboards, and every query their panels run. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../deploy/grafana/dashboards');

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: Panel[];
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
}

export function loadDashboards(dir = DASHBOARDS_DIR): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Omit<Dashboard, 'file'>) }));
}

/** Every panel target's PromQL, rows' nested panels included. */
export function panelQueries(dashboards = loadDashboards()): PanelQuery[] {
  const queries: PanelQuery[] = [];
  const visit = (dashboard: Dashboard, panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr !== 'string' || target.expr.trim() === '') throw new Error(`${dashboard.file}: panel "${panel.title}" has a target without a query`);
        queries.push({ dashboard: dashboard.file, panel: panel.title ?? '(untitled)', refId: target.refId ?? '?', expr: target.expr });
      }
      visit(dashboard, panel.panels ?? []);
    }
  };
  for (const dashboard of dashboards) visit(dashboard, dashboard.panels);
  return queries;
}
