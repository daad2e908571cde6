/**
 * Every metric the Grafana dashboards under deploy/ query is one that meshgate registers: a
 * renamed metric would otherwise leave a dashboard panel silently empty.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';

const dashboards = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../deploy/grafana/dashboards');
let meshgate: RunningMeshgate;

before(async () => {
  meshgate = await startMeshgate({ memory: true, logLevel: 'warn', overrides: { apiHost: '127.0.0.1', apiPort: 0, grpcPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
});

after(() => meshgate.stop());

function queriedMetrics(): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of readdirSync(dashboards).filter((f) => f.endsWith('.json'))) {
    const text = readFileSync(path.join(dashboards, file), 'utf8');
    for (const match of text.matchAll(/\bmeshgate_[a-z0-9_]+/g)) names.set(match[0].replace(/_(bucket|sum|count)$/, ''), file);
  }
  return names;
}

test('the dashboards query only metrics that meshgate exposes on /metrics', async () => {
  const queried = queriedMetrics();
  assert.ok(queried.size >= 10, `expected the dashboards to query meshgate metrics, found ${queried.size}`);
  const text = await (await fetch(`${meshgate.apiUrl}/metrics`)).text();
  const exposed = new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]));
  const missing = [...queried].filter(([name]) => !exposed.has(name)).map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(missing, [], 'metrics queried by a dashboard but not exposed');
});
