/**
 * Which cluster Secrets the Kubernetes source takes (SecretInterest, ClusterSecrets), without an
 * apiserver: the references each kind makes, the namespace and type rules, the Secrets meshgate
 * wrote back skipped, and values sealed under the deployment key with the identity as AAD (a
 * manifests directory's Secrets too).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InProcessBus, type ResourceChanged } from '@meshgate/bus';
import { isSealedSecret, openSealedSecret, SecretCipher, type GatewayWorkload } from '@meshgate/secrets';
import { ClusterSecrets, writtenByMeshgate } from '../src/cluster-secrets.js';
import { createWatcher } from '../src/index.js';
import { SecretInterest, secretReferences } from '../src/secret-interest.js';
import { capturingLogger, Inbox, tempDirectory } from './support.js';

describe('secret references', () => {
  it('reads Gateway and DestinationRule credentialName (with -cacert), Ingress tls.secretName and the MeshConfig ingressGateway secret', () => {
    assert.deepEqual(
      secretReferences('Gateway', { metadata: { namespace: 'istio-system' }, spec: { servers: [{ tls: { mode: 'MUTUAL', credentialName: 'cred' } }, { port: { number: 80 } }] } }),
      ['istio-system/cred', 'istio-system/cred-cacert'],
    );
    assert.deepEqual(
      secretReferences('DestinationRule', {
        metadata: { namespace: 'egress' },
        spec: { trafficPolicy: { portLevelSettings: [{ tls: { credentialName: 'port-cred' } }] }, subsets: [{ name: 'v1', trafficPolicy: { tls: { credentialName: 'subset-cred' } } }] },
      }),
      ['egress/port-cred', 'egress/port-cred-cacert', 'egress/subset-cred', 'egress/subset-cred-cacert'],
    );
    assert.deepEqual(secretReferences('Ingress', { metadata: { namespace: 'httpbin' }, spec: { tls: [{ hosts: ['a'], secretName: 'tls-a' }, { hosts: ['b'] }] } }), ['httpbin/tls-a']);
    assert.deepEqual(
      secretReferences('MeshConfig', { metadata: { namespace: 'osm-system' }, spec: { certificate: { ingressGateway: { secret: { name: 'osm-nginx-client-cert' } } } } }),
      ['osm-system/osm-nginx-client-cert'],
    );
    assert.deepEqual(secretReferences('Service', { metadata: { namespace: 'a' }, spec: { tls: [{ secretName: 'x' }] } }), []);
  });

  it("places a Gateway's credential in its workloads' namespaces (the Gateway's own while none is known), in each form Istio reads", () => {
    const gateway = (credentialName: string, mode = 'SIMPLE') => ({ metadata: { namespace: 'app' }, spec: { selector: { istio: 'ingress' }, servers: [{ tls: { mode, credentialName } }] } });
    const workloads: GatewayWorkload[] = [
      { kind: 'Pod', namespace: 'istio-system', name: 'ingress-1', labels: { istio: 'ingress' } },
      { kind: 'Pod', namespace: 'edge', name: 'ingress-2', labels: { istio: 'ingress', zone: 'b' } },
      { kind: 'Pod', namespace: 'app', name: 'web-1', labels: { app: 'web' } },
    ];
    assert.deepEqual(secretReferences('Gateway', gateway('cred'), workloads), ['edge/cred', 'istio-system/cred']);
    assert.deepEqual(secretReferences('Gateway', gateway('cred')), ['app/cred'], 'no workload known');
    assert.deepEqual(secretReferences('Gateway', gateway('kubernetes://cred', 'MUTUAL'), workloads.slice(0, 1)), ['istio-system/cred', 'istio-system/cred-cacert']);
    assert.deepEqual(secretReferences('Gateway', gateway('istio-system/cred'), workloads), ['istio-system/cred'], "NS/NAME only where NS is the workload's");
  });

  it('moves the interest when a Pod the selector picks appears, changes or goes; not for other Pods', () => {
    const interest = new SecretInterest();
    const gateway = { metadata: { namespace: 'app' }, spec: { selector: { istio: 'ingress' }, servers: [{ tls: { mode: 'SIMPLE', credentialName: 'cred' } }] } };
    assert.equal(interest.observe('apply', 'Gateway', 'app', 'gw', gateway), true);
    assert.ok(interest.isReferenced('app', 'cred'));
    assert.equal(interest.observe('apply', 'Pod', 'app', 'web-1', { metadata: { labels: { app: 'web' } } }), false);
    assert.equal(interest.observe('apply', 'Pod', 'istio-system', 'ingress-1', { metadata: { labels: { istio: 'ingress' } } }), true);
    assert.ok(interest.isReferenced('istio-system', 'cred') && !interest.isReferenced('app', 'cred'));
    assert.equal(interest.observe('apply', 'Pod', 'istio-system', 'ingress-1', { metadata: { labels: { istio: 'ingress' } }, status: { phase: 'Running' } }), false, 'same labels: nothing to redo');
    // Two Gateways name the same Secret: it stays wanted until neither does.
    interest.observe('apply', 'Gateway', 'istio-system', 'gw-2', { ...gateway, metadata: { namespace: 'istio-system' } });
    interest.observe('delete', 'Gateway', 'app', 'gw', undefined);
    assert.ok(interest.isReferenced('istio-system', 'cred'));
    assert.equal(interest.observe('delete', 'Pod', 'istio-system', 'ingress-1', undefined), false, "gw-2's own namespace is istio-system too");
    interest.observe('delete', 'Gateway', 'istio-system', 'gw-2', undefined);
    assert.ok(!interest.isReferenced('istio-system', 'cred'));
  });
});

describe('ClusterSecrets', () => {
  const cipher = new SecretCipher(randomBytes(32));

  function setup(): { secrets: ClusterSecrets; interest: SecretInterest; changes: ResourceChanged[] } {
    const interest = new SecretInterest();
    const changes: ResourceChanged[] = [];
    const secrets = new ClusterSecrets({
      cipher,
      interest,
      source: 'kubernetes:test',
      push: (change) => changes.push(change),
      changeId: (op, namespace, name, version) => `${op} ${namespace}/${name} ${version}`,
      logger: capturingLogger().logger,
    });
    return { secrets, interest, changes };
  }

  function secret(namespace: string, name: string, type: string, extra: Partial<KubernetesObject['metadata']> = {}): KubernetesObject {
    return { metadata: { name, namespace, resourceVersion: '7', ...extra }, type, data: { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64') } } as KubernetesObject;
  }

  it('takes a monitored namespace\'s Secrets of the stored types only, and a referenced Secret of any type', () => {
    const { secrets, interest, changes } = setup();
    interest.observe('apply', 'Namespace', '', 'httpbin', { metadata: { name: 'httpbin' } });
    secrets.observe('apply', secret('httpbin', 'tls', 'kubernetes.io/tls'));
    secrets.observe('apply', secret('httpbin', 'token', 'kubernetes.io/service-account-token'));
    secrets.observe('apply', secret('elsewhere', 'cred', 'kubernetes.io/service-account-token'));
    assert.deepEqual(changes.map((change) => change.id), ['apply httpbin/tls 7']);
    interest.observe('apply', 'Ingress', 'elsewhere', 'web', { metadata: { namespace: 'elsewhere' }, spec: { tls: [{ secretName: 'cred' }] } });
    secrets.reconsider();
    assert.deepEqual(changes.map((change) => change.id), ['apply httpbin/tls 7', 'apply elsewhere/cred 7#interest1']);
    interest.observe('delete', 'Namespace', '', 'httpbin', undefined);
    secrets.reconsider();
    assert.deepEqual(changes.slice(2).map((change) => change.id), ['delete httpbin/tls 7#interest2']);
  });

  it('skips what meshgate wrote back (label or field manager), and deletes an applied copy taken before', () => {
    const { secrets, interest, changes } = setup();
    interest.observe('apply', 'Namespace', '', 'osm-system', { metadata: { name: 'osm-system' } });
    secrets.observe('apply', secret('osm-system', 'osm-ca-bundle', 'Opaque', { labels: { 'app.kubernetes.io/managed-by': 'meshgate' } }));
    assert.equal(changes.length, 0);
    secrets.observe('apply', secret('osm-system', 'osm-nginx-client-cert', 'kubernetes.io/tls', { resourceVersion: '8' }));
    const written = secret('osm-system', 'osm-nginx-client-cert', 'kubernetes.io/tls', { resourceVersion: '9', managedFields: [{ manager: 'meshgate', operation: 'Apply' }] });
    assert.ok(writtenByMeshgate(written));
    secrets.observe('apply', written);
    assert.deepEqual(changes.map((change) => change.id), ['apply osm-system/osm-nginx-client-cert 8', 'delete osm-system/osm-nginx-client-cert written-back@9']);
  });

  it('seals the values with the identity as associated data, and drops kubectl\'s last-applied copy', () => {
    const { secrets, interest, changes } = setup();
    interest.observe('apply', 'Namespace', '', 'httpbin', { metadata: { name: 'httpbin' } });
    secrets.observe('apply', secret('httpbin', 'tls', 'kubernetes.io/tls', { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":…}', keep: 'me' } }));
    const object = changes[0].object;
    assert.ok(isSealedSecret(object));
    assert.equal(JSON.stringify(object).includes(Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64')), false);
    assert.deepEqual((object.metadata as { annotations: unknown }).annotations, { keep: 'me' });
    const opened = openSealedSecret(cipher, object, 'httpbin', 'tls');
    assert.deepEqual(opened.data, { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64') });
    assert.throws(() => openSealedSecret(cipher, object, 'httpbin', 'other'), /does not decrypt/);
    assert.throws(() => openSealedSecret(new SecretCipher(randomBytes(32)), object, 'httpbin', 'tls'), /does not decrypt/);
  });
});

describe('Secrets from a manifests directory, with the deployment key', () => {
  it('are published sealed; other kinds as written', async () => {
    const cipher = new SecretCipher(randomBytes(32));
    const temp = tempDirectory();
    const bus = new InProcessBus();
    try {
      const inbox = new Inbox<ResourceChanged>();
      await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
      const value = Buffer.from('-----BEGIN PRIVATE KEY-----\n').toString('base64');
      fs.writeFileSync(
        path.join(temp.directory, 'credential.yaml'),
        `apiVersion: v1\nkind: Secret\nmetadata: {name: cred, namespace: istio-system}\ntype: Opaque\ndata: {key: ${value}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n`,
      );
      const source = createWatcher({ bus, directory: temp.directory, logger: capturingLogger().logger, resyncIntervalMs: 0, cipher });
      await source.start();
      const changes = await inbox.waitFor(2);
      await source.stop();
      const secret = changes.find((change) => change.kind === 'Secret');
      assert.ok(secret && isSealedSecret(secret.object));
      assert.equal(JSON.stringify(secret.object).includes(value), false);
      assert.deepEqual(openSealedSecret(cipher, secret.object, 'istio-system', 'cred').data, { key: value });
      assert.equal(changes.find((change) => change.kind === 'Service')?.object !== undefined, true);
    } finally {
      await bus.close();
      temp.remove();
    }
  });
});
