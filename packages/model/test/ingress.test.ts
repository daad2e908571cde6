import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultIngressClass,
  digestOf,
  evolve,
  ingressClassNameOf,
  ingressesForController,
  initialState,
  ISTIO_INGRESS_CONTROLLER,
  validateDocument,
  type IngressClassObject,
  type IngressObject,
  type MeshObject,
  type MeshState,
} from '../src/index.js';
import { SEED_000_HTTPS_INGRESS } from './fixtures/seed-000.js';
import { SEED_001_ALB_INGRESS, SEED_002_INGRESS_CLASS, SEED_002_INGRESS_V1BETA1 } from './fixtures/seed-ingress.js';
import { parseAll, validOne } from './helpers.js';

function validAll(text: string): MeshObject[] {
  return parseAll(text).map((document) => {
    const result = validateDocument(document);
    assert.ok(result.valid, JSON.stringify(result));
    return result.value;
  });
}

function stateOf(objects: MeshObject[]): MeshState {
  return objects.reduce((state, object, index) => evolve(state, index + 1, { type: 'ResourceApplied', data: { object, digest: digestOf(object), source: 'test' } }), initialState());
}

const ingress = (name: string, extra: string, annotations = '{}') =>
  validOne(
    `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ${name}, namespace: web, annotations: ${annotations}}\nspec:\n${extra}  defaultBackend: {service: {name: web, port: {number: 80}}}\n`,
  ) as IngressObject;
const ingressClass = (name: string, controller: string, isDefault = false) =>
  validOne(
    `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: ${name}\n  annotations: {ingressclass.kubernetes.io/is-default-class: "${isDefault}"}\nspec: {controller: ${controller}}\n`,
  ) as IngressClassObject;

describe('Ingress', () => {
  it('keeps the nginx annotations of seed 000 as written', () => {
    const object = validAll(SEED_000_HTTPS_INGRESS)[0] as IngressObject;
    assert.deepEqual(object.metadata.annotations, {
      'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
      'nginx.ingress.kubernetes.io/configuration-snippet': 'proxy_ssl_name "httpbin.httpbin.cluster.local";\n',
      'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'osm-system/osm-nginx-client-cert',
      'nginx.ingress.kubernetes.io/proxy-ssl-verify': 'on',
    });
    assert.deepEqual(object.spec, {
      ingressClassName: 'nginx',
      rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'httpbin', port: { number: 14001 } } } }] } }],
      tls: [],
    });
  });

  it("reads v1beta1's serviceName/servicePort into v1's shape, keeping the apiVersion and defaulting pathType", () => {
    const object = validOne(SEED_002_INGRESS_V1BETA1) as IngressObject;
    assert.equal(object.apiVersion, 'networking.k8s.io/v1beta1');
    assert.equal(object.metadata.namespace, 'default');
    assert.deepEqual(object.spec.rules, [
      { host: 'httpbin.example.com', http: { paths: [{ path: '/status/*', pathType: 'ImplementationSpecific', backend: { service: { name: 'httpbin', port: { number: 8000 } } } }] } },
    ]);
  });

  it('reads extensions/v1beta1 with TLS (seed 001), and a named servicePort', () => {
    const object = validOne(SEED_001_ALB_INGRESS) as IngressObject;
    assert.equal(object.apiVersion, 'extensions/v1beta1');
    assert.deepEqual(object.spec.tls, [{ hosts: ['httpbin.mycluster.us-south.containers.appdomain.cloud'], secretName: 'mycluster-alb-secret' }]);
    assert.deepEqual(object.spec.rules[0].http?.paths[0].backend, { service: { name: 'istio-ingressgateway', port: { number: 443 } } });
    const named = validOne(SEED_001_ALB_INGRESS.replace('servicePort: 443', 'servicePort: https')) as IngressObject;
    assert.deepEqual(named.spec.rules[0].http?.paths[0].backend.service.port, { name: 'https' });
  });

  it("reads v1beta1's spec.backend as the default backend", () => {
    const object = validOne('apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: all}\nspec:\n  backend: {serviceName: web, servicePort: 80}\n') as IngressObject;
    assert.deepEqual(object.spec, { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, rules: [], tls: [] });
  });

  it('lower-cases hosts and takes an absent path with ImplementationSpecific', () => {
    const object = ingress('mixed', '  rules:\n  - host: HTTPBIN.Example.com\n    http:\n      paths:\n      - backend: {service: {name: web, port: {name: http}}}\n');
    assert.deepEqual(object.spec.rules[0], { host: 'httpbin.example.com', http: { paths: [{ pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { name: 'http' } } } }] } });
  });

  it('IngressClass is cluster-scoped and keeps its controller and parameters', () => {
    const [objectClass, objectIngress] = validAll(SEED_002_INGRESS_CLASS);
    assert.deepEqual(objectClass, {
      apiVersion: 'networking.k8s.io/v1beta1',
      kind: 'IngressClass',
      metadata: { name: 'istio', namespace: '', labels: {}, annotations: {} },
      spec: { controller: ISTIO_INGRESS_CONTROLLER },
    });
    assert.equal((objectIngress as IngressObject).spec.ingressClassName, 'istio');
    const withParameters = validOne(
      'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: external, namespace: ignored}\nspec:\n  controller: example.com/ingress\n  parameters: {apiGroup: k8s.example.com, kind: IngressParameters, name: external-lb, scope: Namespace, namespace: infra}\n',
    ) as IngressClassObject;
    assert.equal(withParameters.metadata.namespace, '');
    assert.deepEqual(withParameters.spec.parameters, { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Namespace', namespace: 'infra' });
  });
});

describe('which controller serves an Ingress', () => {
  const istio = ingressClass('istio', ISTIO_INGRESS_CONTROLLER);
  const nginx = ingressClass('nginx', 'k8s.io/ingress-nginx', true);
  const byClassName = ingress('by-class-name', '  ingressClassName: istio\n');
  const byAnnotation = ingress('by-annotation', '', '{kubernetes.io/ingress.class: istio}');
  const nginxAnnotated = ingress('nginx-annotated', '  ingressClassName: istio\n', '{kubernetes.io/ingress.class: nginx}');
  const unclassed = ingress('unclassed', '');

  it('goes by ingressClassName, then the legacy annotation, then the default class', () => {
    const state = stateOf([istio, nginx, byClassName, byAnnotation, unclassed]);
    assert.equal(defaultIngressClass(state)?.metadata.name, 'nginx');
    assert.equal(ingressClassNameOf(state, byClassName), 'istio');
    assert.equal(ingressClassNameOf(state, byAnnotation), 'istio');
    assert.equal(ingressClassNameOf(state, unclassed), 'nginx');
  });

  it('selects the Ingresses of a controller; the annotation decides when present', () => {
    const state = stateOf([istio, nginx, byClassName, byAnnotation, nginxAnnotated, unclassed]);
    const names = (controller: string, legacy?: string[]) => ingressesForController(state, controller, { legacyClassNames: legacy }).map(({ metadata }) => metadata.name);
    assert.deepEqual(names(ISTIO_INGRESS_CONTROLLER), ['by-annotation', 'by-class-name']);
    assert.deepEqual(names('k8s.io/ingress-nginx'), ['nginx-annotated', 'unclassed']);
    // Without the IngressClass, only the legacy names Istio is configured with select by annotation.
    const noClasses = stateOf([byClassName, byAnnotation, unclassed]);
    assert.deepEqual(
      ingressesForController(noClasses, ISTIO_INGRESS_CONTROLLER, { legacyClassNames: ['istio'] }).map(({ metadata }) => metadata.name),
      ['by-annotation'],
    );
    assert.deepEqual(ingressesForController(noClasses, ISTIO_INGRESS_CONTROLLER), []);
  });

  it('has no default when two classes claim to be it', () => {
    const state = stateOf([ingressClass('a', 'example.com/a', true), ingressClass('b', 'example.com/b', true), unclassed]);
    assert.equal(defaultIngressClass(state), undefined);
    assert.equal(ingressClassNameOf(state, unclassed), undefined);
  });
});
