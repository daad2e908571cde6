import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  committedIngressBackends,
  deserialiseState,
  digestOf,
  evolve,
  ingressBackendStatuses,
  initialState,
  INGRESS_BACKEND_COMMITTED_REASON,
  serialiseState,
  type MeshObject,
  type MeshState,
} from '../src/index.js';
import { validOne } from './helpers.js';

/** An http IngressBackend `namespace/name` claiming `service:port` backends. */
function ingressBackend(namespace: string, name: string, backends: [string, number][]): MeshObject {
  const listed = backends.map(([service, port]) => `  - name: ${service}\n    port: {number: ${port}, protocol: http}\n`).join('');
  return validOne(
    `apiVersion: policy.openservicemesh.io/v1alpha1\nkind: IngressBackend\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  backends:\n${listed}  sources:\n  - {kind: Service, name: edge, namespace: ingress}\n`,
  );
}

class Log {
  readonly state: MeshState = initialState();
  private sequence = 0;

  apply(object: MeshObject): this {
    this.sequence += 1;
    evolve(this.state, this.sequence, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } });
    return this;
  }

  delete(namespace: string, name: string): this {
    this.sequence += 1;
    evolve(this.state, this.sequence, { type: 'ResourceDeleted', data: { ref: { kind: 'IngressBackend', namespace, name }, source: 'test' } });
    return this;
  }

  statuses(): Record<string, string> {
    return Object.fromEntries([...ingressBackendStatuses(this.state)].map(([key, { status, reason }]) => [key, status === 'committed' ? status : `rejected: ${reason}`]));
  }
}

describe('ingressBackendStatuses', () => {
  it('commits the earlier of two IngressBackends claiming one backend port and rejects the later, saying why', () => {
    const log = new Log().apply(ingressBackend('shop', 'first', [['web', 80]])).apply(ingressBackend('shop', 'second', [['web', 80]]));
    const statuses = ingressBackendStatuses(log.state);
    assert.deepEqual(statuses.get('shop/first'), { status: 'committed', reason: INGRESS_BACKEND_COMMITTED_REASON });
    assert.deepEqual(statuses.get('shop/second'), { status: 'rejected', reason: 'conflicts with IngressBackend shop/first on backend web:80' });
  });

  it('goes by creation, not by name and not by the latest update', () => {
    const log = new Log().apply(ingressBackend('shop', 'zeta', [['web', 80]])).apply(ingressBackend('shop', 'alpha', [['web', 80]]));
    assert.deepEqual(log.statuses(), { 'shop/zeta': 'committed', 'shop/alpha': 'rejected: conflicts with IngressBackend shop/zeta on backend web:80' });
    // Updating either keeps the creation order.
    log.apply(ingressBackend('shop', 'zeta', [['web', 80], ['web', 81]])).apply(ingressBackend('shop', 'alpha', [['web', 80], ['api', 80]]));
    assert.deepEqual(log.statuses(), { 'shop/zeta': 'committed', 'shop/alpha': 'rejected: conflicts with IngressBackend shop/zeta on backend web:80' });
  });

  it('commits the later one once the earlier one is deleted, and rejects a re-created earlier one', () => {
    const log = new Log().apply(ingressBackend('shop', 'first', [['web', 80]])).apply(ingressBackend('shop', 'second', [['web', 80]]));
    log.delete('shop', 'first');
    assert.deepEqual(log.statuses(), { 'shop/second': 'committed' });
    log.apply(ingressBackend('shop', 'first', [['web', 80]]));
    assert.deepEqual(log.statuses(), { 'shop/second': 'committed', 'shop/first': 'rejected: conflicts with IngressBackend shop/second on backend web:80' });
  });

  it('does not see a conflict across namespaces, services or ports', () => {
    const log = new Log()
      .apply(ingressBackend('shop', 'a', [['web', 80]]))
      .apply(ingressBackend('blog', 'a', [['web', 80]]))
      .apply(ingressBackend('shop', 'b', [['api', 80]]))
      .apply(ingressBackend('shop', 'c', [['web', 8080]]));
    assert.deepEqual(Object.values(log.statuses()), ['committed', 'committed', 'committed', 'committed']);
  });

  it('names every conflict; a rejected IngressBackend claims nothing', () => {
    const log = new Log()
      .apply(ingressBackend('shop', 'a', [['web', 80]]))
      .apply(ingressBackend('shop', 'b', [['api', 80]]))
      .apply(ingressBackend('shop', 'c', [['web', 80], ['api', 80], ['admin', 80]]))
      .apply(ingressBackend('shop', 'd', [['admin', 80]]));
    assert.deepEqual(log.statuses(), {
      'shop/a': 'committed',
      'shop/b': 'committed',
      'shop/c': 'rejected: conflicts with IngressBackend shop/a on backend web:80; conflicts with IngressBackend shop/b on backend api:80',
      'shop/d': 'committed',
    });
    assert.deepEqual(
      committedIngressBackends(log.state).map(({ metadata }) => metadata.name),
      ['a', 'b', 'd'],
    );
  });

  it('is deterministic: the same through a snapshot, and ties in creation (a format-1 snapshot) go by name', () => {
    const log = new Log().apply(ingressBackend('shop', 'zeta', [['web', 80]])).apply(ingressBackend('shop', 'alpha', [['web', 80]]));
    const restored = deserialiseState(JSON.stringify(serialiseState(log.state)));
    assert.deepEqual(ingressBackendStatuses(restored), ingressBackendStatuses(log.state));

    const objects = serialiseState(log.state).objects;
    for (const order of [objects, [...objects].reverse()]) {
      const withoutCreation = deserialiseState({ format: 1, sequence: 2, objects: order });
      assert.deepEqual(
        [...ingressBackendStatuses(withoutCreation)].map(([key, { status }]) => [key, status]),
        [
          ['shop/alpha', 'committed'],
          ['shop/zeta', 'rejected'],
        ],
      );
    }
  });

  it('is empty for a state without IngressBackends', () => {
    assert.equal(ingressBackendStatuses(initialState()).size, 0);
  });
});
