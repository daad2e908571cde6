/**
 * Synthetic meshes for the benchmarks: N services (each with Endpoints) and N VirtualServices
 * bound to one ingress Gateway and to `mesh`, as validated objects.
 */
import { validateDocument, type MeshObject } from '@meshgate/model';

export interface WorkloadSize {
  services: number;
  endpointsPerService: number;
  virtualServices: number;
}

function validated(document: unknown): MeshObject {
  const result = validateDocument(document);
  if (!result.valid) throw new Error(`benchmark workload is invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function ip(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}

export function meshWorkload(size: WorkloadSize): MeshObject[] {
  const objects: MeshObject[] = [validated({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } })];
  objects.push(
    validated({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'ingress', namespace: 'bench' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.bench.example.com'] }] },
    }),
  );
  let endpoint = 0;
  for (let s = 0; s < size.services; s++) {
    const name = `svc-${s}`;
    objects.push(
      validated({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'bench' },
        spec: { selector: { app: name }, ports: [{ name: 'http', port: 8000, targetPort: 8080 }] },
      }),
    );
    const addresses = Array.from({ length: size.endpointsPerService }, () => ({ ip: ip(++endpoint) }));
    objects.push(validated({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'bench' }, subsets: [{ addresses, ports: [{ name: 'http', port: 8080 }] }] }));
  }
  for (let v = 0; v < size.virtualServices; v++) {
    const target = `svc-${v % size.services}`;
    const other = `svc-${(v + 1) % size.services}`;
    objects.push(
      validated({
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata: { name: `vs-${v}`, namespace: 'bench' },
        spec: {
          hosts: [`app-${v}.bench.example.com`, target],
          gateways: ['ingress', 'mesh'],
          http: [
            { match: [{ uri: { prefix: '/api/' } }, { headers: { 'x-canary': { exact: 'yes' } } }], route: [{ destination: { host: target, port: { number: 8000 } }, weight: 90 }, { destination: { host: other, port: { number: 8000 } }, weight: 10 }] },
            { match: [{ uri: { exact: '/status' } }], route: [{ destination: { host: target, port: { number: 8000 } } }] },
          ],
        },
      }),
    );
  }
  return objects;
}

/** vs-v of the workload with its first rule's weights moved to `weight` / 100 - `weight`: one route of one virtual host changes. */
export function withRouteWeights(objects: readonly MeshObject[], v: number, weight: number): MeshObject {
  const original = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === `vs-${v}`);
  if (!original) throw new Error(`vs-${v} not in the workload`);
  const copy = structuredClone(original) as MeshObject & { spec: { http: { route: { weight?: number }[] }[] } };
  copy.spec.http[0].route[0].weight = weight;
  copy.spec.http[0].route[1].weight = 100 - weight;
  return copy;
}
