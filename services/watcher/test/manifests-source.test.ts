/**
 * The manifests source beyond one file's life (see scenario.ts): the directory tree, several
 * files, failures of the bus. Publishing goes to the real in-process bus.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { InProcessBus, type ResourceChanged } from '@meshgate/bus';
import { parse } from 'yaml';
import { ManifestsSource, createWatcher } from '../src/index.js';
import { Inbox, TEST_TIMEOUT_MS, WARN, capturingLogger, tempDirectory } from './support.js';

const WEB = 'kind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n';
const WEB_8080 = 'kind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 8080}]}\n';
const API = 'kind: Service\nmetadata: {name: api, namespace: shop}\n';

function summary(change: ResourceChanged): string {
  return `${change.op} ${change.kind}/${change.namespace}/${change.name} from ${change.source}`;
}

describe('manifests source', { timeout: TEST_TIMEOUT_MS }, () => {
  let temp: ReturnType<typeof tempDirectory>;
  let bus: InProcessBus;
  let inbox: Inbox<ResourceChanged>;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    temp = tempDirectory();
    bus = new InProcessBus();
    inbox = new Inbox();
    await bus.consumeChanges(async (change) => inbox.push(change), { durable: 'test' });
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await bus.close();
    temp.remove();
  });

  function write(relative: string, text: string): void {
    const file = path.join(temp.directory, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }

  async function started(options: { publish?: (change: ResourceChanged) => Promise<void> } = {}) {
    const { logger, records } = capturingLogger();
    const source = options.publish
      ? new ManifestsSource({ directory: temp.directory, publish: options.publish, logger, debounceMs: 20, resyncIntervalMs: 0 })
      : createWatcher({ bus, directory: temp.directory, logger, debounceMs: 20, resyncIntervalMs: 0 });
    stops.push(() => source.stop());
    const report = await source.start();
    return { source, report, records };
  }

  it('publishes what the directory holds on start, JSON included, skipping other and hidden files', async () => {
    write('a.yaml', WEB);
    write('nested/deeper/b.json', JSON.stringify({ kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' } }));
    write('README.md', 'kind: Service\n');
    write('.draft.yaml', API);
    write('.git/config.yaml', API);
    const { report } = await started();
    assert.deepEqual(report.published.map(summary), [
      'apply Service/shop/web from manifests:a.yaml',
      'apply Gateway/shop/gw from manifests:nested/deeper/b.json',
    ]);
    assert.deepEqual((await inbox.waitFor(2)).map(summary), report.published.map(summary));
  });

  it('watches a subdirectory created after start, and reports the rescan through synced()', async () => {
    const { source } = await started();
    const synced = source.synced();
    write('team-a/routes/web.yml', WEB);
    const report = await synced;
    assert.deepEqual(report.published.map(summary), ['apply Service/shop/web from manifests:team-a/routes/web.yml']);

    // The new directory is watched itself: an edit inside it is seen without any other event.
    write('team-a/routes/web.yml', WEB_8080);
    const changes = await inbox.waitFor(2);
    assert.equal(summary(changes[1]), 'apply Service/shop/web from manifests:team-a/routes/web.yml');
  });

  it('keeps an object declared in two files until both are gone, and logs the conflict once', async () => {
    write('a.yaml', WEB);
    write('b.yaml', WEB_8080);
    const { source, records } = await started();
    assert.deepEqual((await inbox.waitFor(1)).map(summary), ['apply Service/shop/web from manifests:a.yaml']);
    const conflicts = records.filter((record) => record.level === WARN && /declared in both a\.yaml and b\.yaml/.test(record.msg));
    assert.equal(conflicts.length, 1);

    // a.yaml goes: b.yaml's version takes over, as an apply, not a delete.
    fs.rmSync(path.join(temp.directory, 'a.yaml'));
    const afterRemoval = await source.rescan();
    assert.deepEqual(afterRemoval.published.map(summary), ['apply Service/shop/web from manifests:b.yaml']);
    assert.deepEqual(afterRemoval.published[0].object, parse(WEB_8080));

    fs.rmSync(path.join(temp.directory, 'b.yaml'));
    const afterBoth = await source.rescan();
    assert.deepEqual(afterBoth.published.map(summary), ['delete Service/shop/web from manifests:b.yaml']);
  });

  it('keeps the other files going when one document lacks metadata.name, and warns with file and line', async () => {
    write('good.yaml', WEB);
    write('bad.yaml', `${API}---\nkind: Service\nmetadata:\n  namespace: shop\n`);
    const { report, records } = await started();
    assert.deepEqual(report.published.map(summary), ['apply Service/shop/web from manifests:good.yaml']);
    assert.deepEqual(report.problems, [{ file: 'bad.yaml', line: 4, document: 1, message: 'metadata.name: required' }]);
    const warning = records.find((record) => record.level === WARN && record.file === 'bad.yaml');
    assert.equal(warning?.msg, 'bad.yaml:4: metadata.name: required (document 2); nothing published for bad.yaml until it is fixed');
  });

  it('retries a change the bus refused with the same id, and publishes it once accepted', async () => {
    let refuse = true;
    const attempts: ResourceChanged[] = [];
    const publish = async (change: ResourceChanged) => {
      attempts.push(change);
      if (refuse) throw new Error('no JetStream PubAck');
      await bus.publishChange(change);
    };
    write('a.yaml', `${WEB}---\n${API}`);
    const { source, report } = await started({ publish });
    assert.match(report.error?.message ?? '', /publishing apply Service\/shop\/web: no JetStream PubAck/);
    assert.deepEqual(report.published, [], 'it stops at the first refusal, keeping the order');

    refuse = false;
    const retried = await source.rescan();
    assert.equal(retried.error, undefined);
    assert.deepEqual(retried.published.map(summary), ['apply Service/shop/web from manifests:a.yaml', 'apply Service/shop/api from manifests:a.yaml']);
    assert.equal(retried.published[0].id, attempts[0].id, 'the retry carries the id of the refused attempt');
    assert.equal((await inbox.waitFor(2)).length, 2);
  });

  it('refuses to start on a directory that does not exist', async () => {
    const { logger } = capturingLogger();
    const source = createWatcher({ bus, directory: path.join(temp.directory, 'missing'), logger, resyncIntervalMs: 0 });
    stops.push(() => source.stop());
    await assert.rejects(source.start(), /watcher: cannot watch .*missing: ENOENT/);
  });
});
