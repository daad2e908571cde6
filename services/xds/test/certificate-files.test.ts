/**
 * Certificate files for proxyless gRPC: cert.pem / key.pem (0600) / ca.pem, verified with
 * openssl, rewritten in place, and a bootstrap fragment that grpc-js-xds's own bootstrap
 * validator accepts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { bootstrapCertificateProviders, writeCertificateFiles } from '../src/certificate-files.js';
import { certificatesIn } from './support/pem.js';
import type { MeshCa } from '@meshgate/ca';
import { openEventStore, type EventStore } from '@meshgate/eventlog';
import { openTestCa, reasonsFor } from './support/ca.js';

const run = promisify(execFile);
let ca: MeshCa;
let store: EventStore;
let root: string;

before(async () => {
  store = await openEventStore({ memory: true });
  ca = await openTestCa(store);
  root = await mkdtemp(join(tmpdir(), 'meshgate-cert-files-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
  await store.close();
});

test('writes cert.pem (leaf + chain), key.pem (0600) and ca.pem that openssl verifies', async () => {
  const directory = join(root, 'echo');
  const written = await writeCertificateFiles(ca, { serviceAccount: 'echo', namespace: 'echo' }, directory, { validity: '2h' });
  assert.deepEqual((await readdir(directory)).sort(), ['ca.pem', 'cert.pem', 'key.pem']);
  assert.equal((await stat(written.privateKeyFile)).mode & 0o777, 0o600);
  assert.equal((await stat(directory)).mode & 0o777, 0o700);

  const [leaf] = certificatesIn(await readFile(written.certificateFile, 'utf8'));
  assert.equal(leaf.subjectAltName, 'DNS:echo.echo.cluster.local, URI:spiffe://cluster.local/ns/echo/sa/echo');
  assert.equal(leaf.serialNumber.toLowerCase(), written.info.serialHex);
  assert.ok(leaf.checkPrivateKey(createPrivateKey(await readFile(written.privateKeyFile, 'utf8'))));
  assert.equal(await readFile(written.caCertificateFile, 'utf8'), (await ca.trustBundle()).pem);
  const { stdout } = await run('openssl', ['verify', '-CAfile', written.caCertificateFile, written.certificateFile]);
  assert.equal(stdout.trim(), `${written.certificateFile}: OK`);
  assert.equal((await reasonsFor(store, 'echo.echo.cluster.local')).at(-1), 'sds');
});

test('writing again replaces the files in place and leaves nothing else behind', async () => {
  const directory = join(root, 'rewrite');
  const identity = { serviceAccount: 'echo', namespace: 'echo' };
  const first = await writeCertificateFiles(ca, identity, directory);
  const firstKey = await readFile(first.privateKeyFile, 'utf8');
  const second = await writeCertificateFiles(ca, identity, directory, { reason: 'renewal' });
  assert.notEqual(second.info.serialHex, first.info.serialHex);
  assert.notEqual(await readFile(second.privateKeyFile, 'utf8'), firstKey);
  assert.deepEqual((await readdir(directory)).sort(), ['ca.pem', 'cert.pem', 'key.pem']);
  const [leaf] = certificatesIn(await readFile(second.certificateFile, 'utf8'));
  assert.equal(leaf.serialNumber.toLowerCase(), second.info.serialHex);
  assert.equal((await reasonsFor(store, 'echo.echo.cluster.local')).at(-1), 'renewal');
});

test('the bootstrap fragment names the files and grpc-js-xds accepts it', () => {
  const directory = join(root, 'echo');
  const fragment = bootstrapCertificateProviders(directory);
  assert.deepEqual(fragment, {
    certificate_providers: {
      default: {
        plugin_name: 'file_watcher',
        config: {
          certificate_file: join(directory, 'cert.pem'),
          private_key_file: join(directory, 'key.pem'),
          ca_certificate_file: join(directory, 'ca.pem'),
          refresh_interval: '10s',
        },
      },
    },
  });

  // grpc-js-xds's own validator, as the client runs it on GRPC_XDS_BOOTSTRAP.
  const require = createRequire(import.meta.url);
  const { validateBootstrapConfig } = require('@grpc/grpc-js-xds/build/src/xds-bootstrap.js') as {
    validateBootstrapConfig(config: unknown): { certificateProviders: Record<string, { pluginName: string; config: Record<string, unknown> }> };
  };
  const bootstrap = validateBootstrapConfig({
    xds_servers: [{ server_uri: '127.0.0.1:15010', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'echo-1', locality: {}, metadata: { CLIENT: 'grpc', NAMESPACE: 'echo', SERVICE_ACCOUNT: 'echo' } },
    ...fragment,
  });
  assert.deepEqual(bootstrap.certificateProviders.default, {
    pluginName: 'file_watcher',
    config: { certificateFile: join(directory, 'cert.pem'), privateKeyFile: join(directory, 'key.pem'), caCertificateFile: join(directory, 'ca.pem'), refreshIntervalMs: 10_000 },
  });
});
