/**
 * docker-compose.yml: `docker-compose config` validates it (no Docker engine runs here), and every
 * meshgate service's command, port and variable is one the code really reads — command paths
 * exist in the image layout, MESHGATE_* / DATABASE_URL / NATS_URL are read by that process's
 * config readers, listeners the stack reaches bind 0.0.0.0, and every address another service,
 * Prometheus or a health check uses names a port that service listens on.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startMeshgate, type RunningMeshgate } from '@meshgate/cli';
import { loadConfig, type MeshgateConfig } from '@meshgate/runtime';
import { TEST_API_TOKEN } from '@meshgate/testkit';
import { parse } from 'yaml';
import { commandWords, composeConfig, containerPorts, DOCKER_COMPOSE, REPO_ROOT, secretNames, serviceVariables, SERVICE_READERS, type ComposeFile, type ComposeService } from '../src/compose.js';
import { apply } from '../src/rest.js';

type MeshgateService = keyof typeof SERVICE_READERS;
const MESHGATE_SERVICES = Object.keys(SERVICE_READERS) as MeshgateService[];
const CHECKED_VARIABLE = /^(MESHGATE_|DATABASE_URL$|NATS_URL$)/;

let compose: ComposeFile;

function envOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v ?? '']));
}

/** The ports a service listens on, with the host each binds (from the real config reader). */
function listeners(name: MeshgateService, config: MeshgateConfig): Map<number, string> {
  switch (name) {
    case 'api':
      return new Map([[config.apiPort, config.apiHost]]);
    case 'ca':
      return new Map([
        [config.ca.httpPort, config.ca.host],
        [config.grpcPort, config.ca.host],
      ]);
    case 'xds':
      return new Map([
        [config.xdsSecurePort, config.xdsHost],
        [config.xdsPort, config.xdsPlaintextHost],
        [config.xdsAdminPort, config.apiHost],
      ]);
    case 'watcher':
      return new Map();
  }
}

function configOf(name: string): MeshgateConfig {
  return loadConfig(envOf(compose.services[name]));
}

/** `host:port` reached from another container must be a port of that service bound on 0.0.0.0. */
function assertReachable(host: string, port: number, from: string): void {
  assert.ok((MESHGATE_SERVICES as string[]).includes(host), `${from}: ${host} is not a meshgate service of the compose file`);
  const bound = listeners(host as MeshgateService, configOf(host)).get(port);
  assert.ok(bound !== undefined, `${from}: ${host} does not listen on ${port}`);
  assert.equal(bound, '0.0.0.0', `${from}: ${host}:${port} binds ${bound}, unreachable from other containers`);
}

describe('docker-compose.yml', { skip: DOCKER_COMPOSE ? false : 'docker-compose is not installed (apt-get install docker-compose): the compose file is not validated' }, () => {
  before(async () => {
    compose = await composeConfig();
  });

  test('names the stack the design asks for', () => {
    for (const name of ['postgres', 'nats', 'api', 'ca', 'xds', 'watcher', 'gateway-bootstrap', 'envoy', 'httpbin', 'prometheus', 'grafana']) assert.ok(compose.services[name], `service ${name}`);
    assert.ok(commandWords(compose.services.nats).includes('-js'), 'NATS runs JetStream');
    assert.match(compose.services.envoy.image ?? '', /^envoyproxy\/envoy:/);
  });

  test('every meshgate command runs a file the runtime image holds', async () => {
    const { TEST_ONLY_WORKSPACES } = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts/runtime-manifest.mjs')).href)) as { TEST_ONLY_WORKSPACES: string[] };
    const built = Object.entries(compose.services).filter(([, s]) => s.image === 'meshgate:local');
    assert.ok(built.length >= 5);
    for (const [name, service] of built) {
      const scripts = commandWords(service).filter((w) => w.endsWith('.js'));
      assert.equal(scripts.length, 1, `${name}: one node entry point in ${JSON.stringify(service.command)}`);
      const script = scripts[0];
      assert.ok(existsSync(path.join(REPO_ROOT, script)), `${name}: ${script} is not in the build output`);
      assert.ok(!TEST_ONLY_WORKSPACES.some((w) => script.startsWith(`${w}/`)), `${name}: ${script} is in a workspace the runtime image leaves out`);
    }
    for (const name of MESHGATE_SERVICES) assert.deepEqual(commandWords(compose.services[name]), ['node', `services/${name}/dist/src/main.js`]);
  });

  test('every MESHGATE_*, DATABASE_URL and NATS_URL variable is one the process reads', () => {
    const unread: string[] = [];
    for (const name of MESHGATE_SERVICES) {
      const known = serviceVariables(name);
      for (const variable of Object.keys(envOf(compose.services[name]))) if (CHECKED_VARIABLE.test(variable) && !known.has(variable)) unread.push(`${name}: ${variable}`);
    }
    // The CLI in the one-shot bootstrap reads its token as cli/src/api-token.ts says.
    const cliSource = readFileSync(path.join(REPO_ROOT, 'cli/src/api-token.ts'), 'utf8');
    for (const variable of Object.keys(envOf(compose.services['gateway-bootstrap']))) if (CHECKED_VARIABLE.test(variable) && !cliSource.includes(variable)) unread.push(`gateway-bootstrap: ${variable}`);
    assert.deepEqual(unread, []);
    // The variables the services cannot do without in the distributed mode.
    for (const name of MESHGATE_SERVICES) {
      const config = configOf(name);
      assert.equal(config.databaseUrl !== undefined && config.natsUrl !== undefined, true, `${name}: DATABASE_URL and NATS_URL`);
      assert.match(config.databaseUrl ?? '', /@postgres:5432\//, `${name}: DATABASE_URL names the postgres service`);
      assert.equal(config.natsUrl, 'nats://nats:4222');
    }
    assert.equal(configOf('watcher').manifestsDir, '/etc/meshgate/manifests');
  });

  test('published ports are listeners bound on 0.0.0.0; the plaintext xDS port stays on loopback and unpublished', () => {
    for (const name of MESHGATE_SERVICES) {
      const bound = listeners(name, configOf(name));
      for (const port of containerPorts(compose.services[name])) {
        assert.ok(bound.has(port), `${name} publishes ${port}, which it does not listen on`);
        assert.equal(bound.get(port), '0.0.0.0', `${name}:${port}`);
      }
    }
    assert.equal(configOf('xds').xdsPlaintextHost, '127.0.0.1');
    assert.ok(!containerPorts(compose.services.xds).includes(configOf('xds').xdsPort));
  });

  test('addresses between services, health checks and Prometheus targets name real listeners', () => {
    const xdsAdmin = new URL(configOf('api').xdsAdminUrl ?? 'missing://');
    assertReachable(xdsAdmin.hostname, Number(xdsAdmin.port), 'api MESHGATE_XDS_ADMIN_URL');
    const [caHost, caPort] = (configOf('xds').ca.address ?? '').split(':');
    assertReachable(caHost, Number(caPort), 'xds MESHGATE_CA_ADDRESS');

    const words = commandWords(compose.services['gateway-bootstrap']);
    const server = new URL(words[words.indexOf('--server') + 1]);
    assertReachable(server.hostname, Number(server.port), 'gateway-bootstrap --server');
    assert.equal(server.port, String(configOf('ca').ca.httpPort), 'join tokens come from the ca REST port');
    const [xdsHost, xdsPort] = words[words.indexOf('--xds-address') + 1].split(':');
    assertReachable(xdsHost, Number(xdsPort), 'gateway-bootstrap --xds-address');
    assert.equal(Number(xdsPort), configOf('xds').xdsSecurePort, 'Envoy connects to the mTLS xDS port');

    for (const name of MESHGATE_SERVICES) {
      const test = compose.services[name].healthcheck?.test;
      if (!test) continue;
      for (const match of JSON.stringify(test).matchAll(/http:\/\/127\.0\.0\.1:(\d+)\//g)) assert.ok(listeners(name, configOf(name)).has(Number(match[1])), `${name} health check port ${match[1]}`);
    }

    const prometheus = parse(readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const scraped = new Set<string>();
    for (const job of prometheus.scrape_configs) {
      for (const target of job.static_configs.flatMap((c) => c.targets)) {
        const [host, port] = target.split(':');
        if (host === 'localhost') continue;
        assertReachable(host, Number(port), `prometheus job ${job.job_name}`);
        scraped.add(host);
      }
    }
    assert.deepEqual([...scraped].sort(), ['api', 'ca', 'xds'], 'Prometheus scrapes every process with /metrics');
  });

  test('secrets: every *_FILE under /run/secrets is a secret of that service, from a checked-in example file', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(envOf(service))) {
        if (!/_FILE$/.test(variable) || !value.startsWith('/run/secrets/')) continue;
        const secret = value.slice('/run/secrets/'.length);
        assert.ok(secretNames(service).includes(secret), `${name}: ${variable} needs the secret ${secret}`);
      }
    }
    for (const [secret, { file }] of Object.entries(compose.secrets ?? {})) {
      assert.ok(file && existsSync(file), `secret ${secret}: ${file}`);
      assert.match(file ?? '', /\/deploy\/compose\/[^/]+\.example$/, `secret ${secret} is an example file`);
    }
    // The xds token the ca admits (ca-tokens.yaml.example) is the one xds presents, with ca-issue only.
    const read = (name: string) => readFileSync(path.join(REPO_ROOT, 'deploy/compose', name), 'utf8');
    const [entry] = parse(read('ca-tokens.yaml.example')) as { sha256: string; scopes: string[] }[];
    assert.equal(entry.sha256, createHash('sha256').update(read('ca-token.example').trim()).digest('hex'));
    assert.deepEqual(entry.scopes, ['ca-issue']);
    assert.equal(Buffer.from(read('ca-encryption-key.example').trim(), 'base64').length, 32);
  });

  test('Grafana provisioning and the watched manifests are mounted from files that exist', () => {
    const mounts = [...(compose.services.grafana.volumes ?? []), ...(compose.services.watcher.volumes ?? [])].map((v) => (typeof v === 'string' ? v.split(':')[0] : (v.source ?? '')));
    for (const source of mounts) assert.ok(existsSync(path.isAbsolute(source) ? source : path.join(REPO_ROOT, source)), source);
    assert.ok(existsSync(path.join(REPO_ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yaml')));
    assert.ok(existsSync(path.join(REPO_ROOT, 'deploy/grafana/provisioning/dashboards/meshgate.yaml')));
  });
});

describe("the compose stack's watched manifests", () => {
  let meshgate: RunningMeshgate;
  before(async () => {
    meshgate = await startMeshgate({ memory: true, logLevel: 'warn', apiToken: TEST_API_TOKEN, overrides: { apiHost: '127.0.0.1', apiPort: 0, xdsHost: '127.0.0.1', xdsPort: 0, xdsSecurePort: 0 } });
  });
  after(() => meshgate?.stop());

  test('apply cleanly', async () => {
    const yaml = readFileSync(path.join(REPO_ROOT, 'deploy/compose/manifests/httpbin.yaml'), 'utf8');
    const applied = await apply(meshgate.apiUrl, yaml, TEST_API_TOKEN);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
  });
});
