/**
 * Every Grafana dashboard panel query returns data from the real Prometheus (Debian's package)
 * scraping a running meshgate: the embedded process, and the distributed processes (api, ca,
 * xds, watcher) against the real Postgres and NATS JetStream. Traffic first (dashboard-traffic.ts),
 * then a few scrapes, then each query through Prometheus's HTTP API must return at least one series.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { startMeshgate } from '@meshgate/cli';
import { createTestDatabase, natsUrl, TEST_API_TOKEN, uniqueName } from '@meshgate/testkit';
import { driveDashboardTraffic } from '../src/dashboard-traffic.js';
import { loadDashboards, panelQueries } from '../src/dashboards.js';
import { freePort } from '../src/ports.js';
import { startService, waitReady, type ServiceProcess } from '../src/processes.js';
import { prometheusInstalled, startPrometheus, type RunningPrometheus, type ScrapeTarget } from '../src/prometheus.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs every panel query; returns the ones without a series, named by dashboard and panel. */
async function emptyPanels(prometheus: RunningPrometheus): Promise<string[]> {
  const empty: string[] = [];
  for (const query of panelQueries()) {
    const result = await prometheus.query(query.expr);
    if (result.length === 0) empty.push(`${query.dashboard} "${query.panel}" ${query.refId}: ${query.expr}`);
  }
  return empty;
}

async function checkDashboards(targets: ScrapeTarget[]): Promise<void> {
  const prometheus = await startPrometheus(targets);
  cleanups.push(() => prometheus.stop());
  await prometheus.waitForScrapes(3);
  assert.deepEqual(await emptyPanels(prometheus), [], 'dashboard queries without a series');
  // The panels show what happened, not only that the metric exists.
  const value = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? 'NaN');
  assert.ok((await value('sum(meshgate_xds_convergence_seconds_count)')) >= 1, 'a change was ACKed: convergence observed');
  assert.ok((await value('sum(meshgate_xds_nacks_total)')) >= 1, 'the NACK was counted');
  assert.ok((await value('sum(meshgate_ca_root_rotations_total)')) >= 1, 'the rotation was counted');
  assert.ok((await value('min(meshgate_ca_earliest_expiry_seconds)')) > 0, 'an earliest expiry is reported');
  assert.equal(await value('max(meshgate_follower_lag_events)'), 0, 'followers caught up once the traffic stopped');
}

test('the dashboards are Grafana JSON with the current schema version and unique ids', () => {
  const dashboards = loadDashboards();
  assert.deepEqual(dashboards.map((d) => d.uid).sort(), ['meshgate-api', 'meshgate-ca', 'meshgate-overview']);
  for (const dashboard of dashboards) {
    // Grafana 12 writes schemaVersion 41; docker-compose.yml runs grafana/grafana 12.
    assert.equal(dashboard.schemaVersion, 41, dashboard.file);
    const ids = dashboard.panels.map((p) => (p as { id?: number }).id);
    assert.equal(new Set(ids).size, ids.length, `${dashboard.file}: panel ids are unique`);
  }
  assert.ok(panelQueries().length >= 25);
});

describe('every dashboard query returns series from the real Prometheus', { skip: prometheusInstalled() ? false : 'prometheus is not installed (apt-get install prometheus)' }, () => {
  test('embedded meshgate', async () => {
    const manifestsDir = tempDir('meshgate-dash-manifests-');
    const meshgate = await startMeshgate({
      memory: true,
      logLevel: 'warn',
      apiToken: TEST_API_TOKEN,
      overrides: { apiHost: '127.0.0.1', apiPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0, manifestsDir },
    });
    cleanups.push(() => meshgate.stop());
    const proxy = await driveDashboardTraffic({ apiUrl: meshgate.apiUrl, caUrl: meshgate.apiUrl, xdsAddress: `127.0.0.1:${meshgate.xdsPort}`, manifestsDir });
    cleanups.push(() => proxy.close());
    await checkDashboards([{ job: 'meshgate', address: new URL(meshgate.apiUrl).host }]);
  });

  test('distributed meshgate: api, ca, xds and watcher processes on Postgres and NATS', async () => {
    const database = await createTestDatabase('mg_dash');
    cleanups.push(() => database.drop());
    const suffix = uniqueName('dash');
    const [apiPort, caHttpPort, grpcPort, xdsPort, xdsSecurePort, xdsAdminPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const manifestsDir = tempDir('meshgate-dash-manifests-');
    const env: Record<string, string> = {
      MESHGATE_LOG_LEVEL: 'warn',
      MESHGATE_API_TOKEN: TEST_API_TOKEN,
      DATABASE_URL: database.url,
      NATS_URL: await natsUrl(),
      MESHGATE_NATS_STREAM: suffix.toUpperCase(),
      MESHGATE_NATS_SUBJECT_PREFIX: `${suffix}.changes`,
      MESHGATE_NATS_DOORBELL: `${suffix}.events`,
      MESHGATE_API_PORT: String(apiPort),
      MESHGATE_XDS_PORT: String(xdsPort),
      MESHGATE_XDS_SECURE_PORT: String(xdsSecurePort),
      MESHGATE_XDS_ADMIN_PORT: String(xdsAdminPort),
      MESHGATE_XDS_ADMIN_URL: `http://127.0.0.1:${xdsAdminPort}`,
      MESHGATE_MANIFESTS_DIR: manifestsDir,
      MESHGATE_CA_HTTP_PORT: String(caHttpPort),
      MESHGATE_GRPC_PORT: String(grpcPort),
      MESHGATE_CA_ADDRESS: `127.0.0.1:${grpcPort}`,
      MESHGATE_CA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    const started: ServiceProcess[] = [];
    cleanups.push(async () => {
      for (const service of started.reverse()) await service.stop();
    });
    const start = async (name: ServiceProcess['name'], readyUrl?: string) => {
      const service = startService(name, env);
      started.push(service);
      if (readyUrl) await waitReady(service, readyUrl);
    };
    await start('api', `http://127.0.0.1:${apiPort}/readyz`);
    await start('ca', `http://127.0.0.1:${caHttpPort}/readyz`);
    await start('xds', `http://127.0.0.1:${xdsAdminPort}/readyz`);
    await start('watcher');
    const proxy = await driveDashboardTraffic({ apiUrl: `http://127.0.0.1:${apiPort}`, caUrl: `http://127.0.0.1:${caHttpPort}`, xdsAddress: `127.0.0.1:${xdsPort}`, manifestsDir });
    cleanups.push(() => proxy.close());
    await checkDashboards([
      { job: 'meshgate-api', address: `127.0.0.1:${apiPort}` },
      { job: 'meshgate-ca', address: `127.0.0.1:${caHttpPort}` },
      { job: 'meshgate-xds', address: `127.0.0.1:${xdsAdminPort}` },
    ]);
  });
});
