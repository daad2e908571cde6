/**
 * Realistic event-log rows for the event-log benchmark: `ResourceApplied` events of about
 * 1 KB, as the api writes them (validated Service and VirtualService objects, a sha256 digest,
 * the source), over a fixed set of objects that each receive many versions.
 */
import { createHash } from 'node:crypto';
import type { NewEvent } from '@meshgate/eventlog';
import { objectKey, validateDocument, type MeshObject } from '@meshgate/model';

function validated(document: unknown): MeshObject {
  const result = validateDocument(document);
  if (!result.valid) throw new Error(`benchmark object is invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** Object `index`: even → Service, odd → VirtualService, spread over 20 namespaces. */
function templateObject(index: number): MeshObject {
  const namespace = `team-${index % 20}`;
  const name = `app-${index >> 1}`;
  const annotations = { 'meshgate.io/owner': `team-${index % 20}@example.com`, 'meshgate.io/revision': '0' };
  if (index % 2 === 0) {
    return validated({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: { app: name, tier: 'backend', version: 'v1' }, annotations },
      spec: {
        selector: { app: name, version: 'v1' },
        ports: [
          { name: 'http', port: 8000, targetPort: 8080, protocol: 'TCP' },
          { name: 'grpc', port: 9000, targetPort: 9090, protocol: 'TCP', appProtocol: 'grpc' },
          { name: 'metrics', port: 9102, targetPort: 9102, protocol: 'TCP' },
        ],
      },
    });
  }
  return validated({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name, namespace, labels: { app: name }, annotations },
    spec: {
      hosts: [`${name}.${namespace}.example.com`, name],
      gateways: ['ingress', 'mesh'],
      http: [
        {
          match: [{ uri: { prefix: '/api/' } }, { headers: { 'x-canary': { exact: 'yes' } } }],
          route: [
            { destination: { host: name, port: { number: 8000 }, subset: 'v1' }, weight: 90 },
            { destination: { host: name, port: { number: 8000 }, subset: 'v2' }, weight: 10 },
          ],
          timeout: '5s',
          retries: { attempts: 3, perTryTimeout: '2s' },
        },
        { match: [{ uri: { exact: '/status' } }], route: [{ destination: { host: name, port: { number: 8000 } } }] },
      ],
    },
  });
}

/** `objects` distinct objects; event n is version ⌊n / objects⌋ of object n mod objects. */
export class EventSource {
  private readonly templates: MeshObject[];
  private readonly keys: string[];

  constructor(readonly objects: number) {
    this.templates = Array.from({ length: objects }, (_, i) => templateObject(i));
    this.keys = this.templates.map((object) => objectKey(object));
  }

  event(n: number): NewEvent {
    const index = n % this.objects;
    const template = this.templates[index];
    const revision = String(Math.floor(n / this.objects));
    const object = { ...template, metadata: { ...template.metadata, annotations: { ...template.metadata.annotations, 'meshgate.io/revision': revision } } } as MeshObject;
    const digest = createHash('sha256').update(`${this.keys[index]}#${revision}`).digest('hex');
    return { streamId: this.keys[index], type: 'ResourceApplied', data: { object, digest, source: 'manifests:/etc/meshgate/bench.yaml' } };
  }

  batch(first: number, size: number): NewEvent[] {
    return Array.from({ length: size }, (_, i) => this.event(first + i));
  }
}
