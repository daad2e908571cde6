/**
 * ClusterRequests merged by patching (clusters.ts) against a merge from scratch: over a random
 * sequence of builds — lists adopted, some replaced by new lists between builds, sometimes added
 * or dropped, requests made directly — each build's collector made with the previous build's,
 * its list names the same clusters with the same Service and ServiceEntry as a fresh merge.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ServiceEntryObject, ServiceObject } from '@meshgate/model';
import { ClusterRequests, setMergePatching, type ClusterRequest } from '../src/clusters.js';
import { clusterName } from '../src/naming.js';

const HOSTS = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => `${name}.apps.svc.cluster.local`);
/** Two versions of each host's Service: requests of a name agree unless they hold different versions. */
const SERVICES = HOSTS.map((host) => [1, 2].map((version) => ({ kind: 'Service', metadata: { name: host, namespace: 'apps', version } }) as unknown as ServiceObject));
const ENTRY = { kind: 'ServiceEntry', metadata: { name: 'e', namespace: 'apps' } } as unknown as ServiceEntryObject;

/** One request: host, port, and which Service version it holds (2: a ServiceEntry instead). */
const requestShape = fc.record({ host: fc.nat(HOSTS.length - 1), port: fc.constantFrom(80, 8080), version: fc.constantFrom(0, 0, 0, 1, 2) });

function request({ host, port, version }: { host: number; port: number; version: number }): ClusterRequest {
  const name = clusterName(HOSTS[host], port, '');
  return version === 2 ? { name, host: HOSTS[host], port, subset: '', service: undefined, serviceEntry: ENTRY } : { name, host: HOSTS[host], port, subset: '', service: SERVICES[host][version] };
}

/** A unit's list: sorted by name, one per name (the first kept). */
const run = fc.array(requestShape, { minLength: 1, maxLength: 6 }).map((shapes) => {
  const byName = new Map<string, ClusterRequest>();
  for (const shape of shapes) {
    const made = request(shape);
    if (!byName.has(made.name)) byName.set(made.name, made);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
});

/** What changes between two builds. */
const edit = fc.oneof(
  { weight: 6, arbitrary: fc.record({ replace: fc.nat(), with: run }) },
  { weight: 1, arbitrary: fc.record({ add: run }) },
  { weight: 1, arbitrary: fc.record({ drop: fc.nat() }) },
);
const build = fc.record({ edits: fc.array(edit, { maxLength: 3 }), direct: fc.array(requestShape, { maxLength: 2 }) });

/** By name, the Service and ServiceEntry listed: what the cluster built from it depends on. */
function content(requests: readonly ClusterRequest[]): [string, unknown, unknown][] {
  return requests.map((r) => [r.name, r.service, r.serviceEntry]);
}

test('a merge patched from the previous build lists what a merge from scratch lists', (t) => {
  const minimum = setMergePatching({ minimumRequests: 0, maximumChangedShare: 1 });
  t.after(() => setMergePatching(minimum));
  fc.assert(
    fc.property(fc.array(run, { minLength: 2, maxLength: 8 }), fc.array(build, { minLength: 1, maxLength: 12 }), (initial, builds) => {
      let runs = initial;
      let previous: ClusterRequests | undefined;
      for (const { edits, direct } of builds) {
        runs = [...runs];
        for (const change of edits) {
          if ('replace' in change && runs.length > 0) runs[change.replace % runs.length] = change.with;
          else if ('add' in change) runs.push(change.add);
          else if ('drop' in change && runs.length > 1) runs.splice(change.drop % runs.length, 1);
        }
        const patched = new ClusterRequests({ keepMerge: true, previous });
        const fresh = new ClusterRequests();
        for (const shape of direct) {
          const made = request(shape);
          patched.request(made.host, made.port, made.subset, made.service, made.serviceEntry);
          fresh.request(made.host, made.port, made.subset, made.service, made.serviceEntry);
        }
        for (const list of runs) {
          patched.adoptAll(list);
          fresh.adoptAll(list);
        }
        assert.deepEqual(content(patched.list()), content(fresh.list()));
        // `get` answers what `list` holds (a DFP guard or hash policy reads the one, the cluster is built from the other).
        for (const listed of fresh.list()) {
          for (const collector of [patched, fresh]) {
            const got = collector.get(listed.name);
            assert.deepEqual([got?.service, got?.serviceEntry], [listed.service, listed.serviceEntry], listed.name);
          }
        }
        previous = patched;
      }
    }),
    { numRuns: 300 },
  );
});

test('a build whose lists are the ones merged before returns the same list, and a replaced list that asks for the same clusters keeps it', () => {
  const minimum = setMergePatching({ minimumRequests: 0, maximumChangedShare: 1 });
  try {
    const runs = [0, 1, 2, 3].map((host) => [request({ host, port: 80, version: 0 })]);
    const first = new ClusterRequests({ keepMerge: true });
    for (const list of runs) first.adoptAll(list);
    const merged = first.list();
    assert.equal(first.patchable, true);

    const second = new ClusterRequests({ keepMerge: true, previous: first });
    runs[2] = [request({ host: 2, port: 80, version: 0 })];
    for (const list of runs) second.adoptAll(list);
    assert.equal(second.list(), merged, 'the same clusters of the same Services: the previous list itself');

    const third = new ClusterRequests({ keepMerge: true, previous: second });
    runs[2] = [request({ host: 2, port: 80, version: 1 })];
    for (const list of runs) third.adoptAll(list);
    assert.notEqual(third.list(), merged);
    assert.equal(third.get(clusterName(HOSTS[2], 80, ''))?.service, SERVICES[2][1], 'the Service changed under its only list: the new request is listed');
  } finally {
    setMergePatching(minimum);
  }
});
