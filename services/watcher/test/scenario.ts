/**
 * The watcher's life with one manifest file, run against each bus implementation: what reaches
 * a consumer of the changes stream as the file is created, edited, broken and removed.
 *
 * Delivery is in publish order, so "nothing was published" is checked by making the next change
 * and asserting that it is the very next message to arrive.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Bus, ResourceChanged, Subscription } from '@meshgate/bus';
import { uniqueName } from '@meshgate/testkit';
import { parse } from 'yaml';
import { createWatcher, type Watcher } from '../src/index.js';
import { Inbox, TEST_TIMEOUT_MS, WARN, capturingLogger, tempDirectory, type LogRecord } from './support.js';

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  namespace: httpbin
spec:
  ports:
  - port: 14001
`;

const SERVICE_CHANGED = SERVICE.replace('14001', '14002');
const SERVICE_FIXED = SERVICE.replace('14001', '14003');

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: [httpbin.example.com]
  gateways: [ingress]
  http:
  - route:
    - destination: {host: httpbin.httpbin.svc.cluster.local}
`;

// The third line opens a flow sequence that never closes.
const BROKEN = `apiVersion: v1
kind: Service
metadata: {name: [httpbin
`;

function summary(change: ResourceChanged): string {
  return `${change.op} ${change.kind}/${change.namespace}/${change.name} from ${change.source}`;
}

export function runWatcherScenario(label: string, openBus: () => Promise<Bus>): void {
  describe(`watcher over ${label}: one manifest file through its life`, { timeout: TEST_TIMEOUT_MS }, () => {
    const temp = tempDirectory();
    const file = path.join(temp.directory, 'mesh.yaml');
    const inbox = new Inbox<ResourceChanged>();
    let records: LogRecord[];
    let bus: Bus;
    let subscription: Subscription;
    let watcher: Watcher;

    before(async () => {
      bus = await openBus();
      subscription = await bus.consumeChanges(async (change) => inbox.push(change), { durable: uniqueName('watcher_test') });
      const captured = capturingLogger();
      records = captured.records;
      watcher = createWatcher({ bus, directory: temp.directory, logger: captured.logger, debounceMs: 20, resyncIntervalMs: 0 });
      const initial = await watcher.start();
      assert.deepEqual(initial.published, [], 'an empty directory publishes nothing');
    });

    after(async () => {
      await watcher?.stop();
      await subscription?.unsubscribe();
      await bus?.close();
      temp.remove();
    });

    it('publishes an apply for each document of a new file', async () => {
      fs.writeFileSync(file, `${SERVICE}---\n${VIRTUAL_SERVICE}`);
      const changes = await inbox.waitFor(2);
      assert.deepEqual(changes.map(summary), [
        'apply Service/httpbin/httpbin from manifests:mesh.yaml',
        'apply VirtualService/default/httpbin from manifests:mesh.yaml',
      ]);
      assert.deepEqual(changes[0].object, parse(SERVICE));
      assert.deepEqual(changes[1].object, parse(VIRTUAL_SERVICE));
    });

    it('publishes nothing when a rescan finds nothing changed', async () => {
      const report = await watcher.rescan();
      assert.deepEqual(report.published, []);
    });

    it('publishes one apply when one document changes', async () => {
      fs.writeFileSync(file, `${SERVICE_CHANGED}---\n${VIRTUAL_SERVICE}`);
      const changes = await inbox.waitFor(3);
      assert.equal(changes.length, 3, 'the unchanged VirtualService is not published again');
      assert.equal(summary(changes[2]), 'apply Service/httpbin/httpbin from manifests:mesh.yaml');
      assert.deepEqual(changes[2].object, parse(SERVICE_CHANGED));
    });

    it('publishes a delete for a document removed from the file', async () => {
      fs.writeFileSync(file, SERVICE_CHANGED);
      const changes = await inbox.waitFor(4);
      assert.equal(summary(changes[3]), 'delete VirtualService/default/httpbin from manifests:mesh.yaml');
      assert.equal(changes[3].object, undefined);
    });

    it('publishes nothing for a malformed edit, and deletes nothing, and names the line', async () => {
      fs.writeFileSync(file, BROKEN);
      const report = await watcher.rescan();
      assert.deepEqual(report.published, []);
      const warning = records.find((record) => record.level === WARN && record.file === 'mesh.yaml');
      assert.ok(warning, 'a warning names the file');
      assert.equal(typeof warning.line, 'number');
      assert.match(warning.msg, /^mesh\.yaml:\d+/);

      // The fix is the next message: nothing (no delete of the Service) was published in between.
      fs.writeFileSync(file, SERVICE_FIXED);
      const changes = await inbox.waitFor(5);
      assert.equal(changes.length, 5);
      assert.equal(summary(changes[4]), 'apply Service/httpbin/httpbin from manifests:mesh.yaml');
      assert.deepEqual(changes[4].object, parse(SERVICE_FIXED));
    });

    it('publishes deletes for the remaining objects when the file is removed', async () => {
      fs.rmSync(file);
      const changes = await inbox.waitFor(6);
      assert.equal(summary(changes[5]), 'delete Service/httpbin/httpbin from manifests:mesh.yaml');
      assert.equal(new Set(changes.map((change) => change.id)).size, 6, 'every change has its own id');
    });
  });
}
