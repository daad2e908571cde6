/**
 * Wildcard egress through Envoy's dynamic forward proxy: what the guard sent to Envoy refuses
 * (checked with Node's own BlockList against the CIDRs read back from the compiled resources),
 * that every filter and cluster names the same DNS cache, and that proxyless clients get nothing.
 */
import assert from 'node:assert/strict';
import { BlockList, isIPv6 } from 'node:net';
import { test } from 'node:test';
import { compileProxy, TYPE_URL, type CompileResult } from '../src/index.js';
import { GRPC_NODE, loadCase, objectsFromYaml, OPTIONS, stateOf } from './support.js';

type Json = Record<string, unknown>;

function compiledCase(name: string): CompileResult {
  const golden = loadCase(name);
  return compileProxy(stateOf(golden.objects), golden.node, OPTIONS);
}

function resource(result: CompileResult, typeUrl: string, name: string): Json {
  const found = result.resources[typeUrl as keyof CompileResult['resources']].find((r) => r.name === name);
  assert.ok(found, `${typeUrl} ${name}`);
  return found.resource;
}

function chain(listener: Json, name: string): { filters: { name: string; typed_config: Json }[] } {
  const found = (listener.filter_chains as { name: string; filters: { name: string; typed_config: Json }[] }[]).find((c) => c.name === name);
  assert.ok(found, `chain ${name}`);
  return found;
}

/** Every `upstream_ip` CIDR under `node`, as `[address, prefix]`. */
function upstreamCidrs(node: unknown): [string, number][] {
  if (Array.isArray(node)) return node.flatMap(upstreamCidrs);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Json;
  const ip = record.upstream_ip as { address_prefix: string; prefix_len: { value: number } } | undefined;
  const own: [string, number][] = ip ? [[ip.address_prefix, ip.prefix_len.value]] : [];
  return [...own, ...Object.entries(record).flatMap(([key, value]) => (key === 'upstream_ip' ? [] : upstreamCidrs(value)))];
}

/**
 * The guard's policy → the addresses its `not_rule` refuses, one BlockList per family: Envoy's
 * CidrRange never matches an address of the other family, while a BlockList would match IPv4
 * addresses against the IPv4-mapped IPv6 range.
 */
function refused(rules: Json): { ipv4: BlockList; ipv6: BlockList } {
  const [policy] = Object.values(rules.policies as Record<string, { permissions: Json[] }>);
  const and = (policy.permissions[0].and_rules as { rules: Json[] } | undefined)?.rules ?? [];
  const denied = and.find((rule) => 'not_rule' in rule);
  const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const [address, prefix] of upstreamCidrs(denied)) {
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    lists[family].addSubnet(address, prefix, family);
  }
  return lists;
}

const blocked = (lists: { ipv4: BlockList; ipv6: BlockList }, address: string) => (isIPv6(address) ? lists.ipv6.check(address, 'ipv6') : lists.ipv4.check(address, 'ipv4'));

// One address inside each range the guard must refuse, and some it must let through.
const PRIVATE = ['127.0.0.1', '127.255.0.9', '::1', '169.254.169.254', 'fe80::1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', 'fc00::1', 'fd12:3456::1', '100.64.0.1', '0.0.0.0', '::', '::ffff:127.0.0.1', '::ffff:10.0.0.1'];
const PUBLIC = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '203.0.113.7', '2606:4700:4700::1111', '2001:db8::1'];

test('the sidecar TLS guard refuses loopback, link-local, private, shared and mapped addresses, and nothing public', () => {
  const result = compiledCase('sidecar-egress-wildcard-dfp');
  const filters = chain(resource(result, TYPE_URL.listener, '0.0.0.0_443'), '443|*.com').filters;
  assert.deepEqual(filters.map((f) => f.name), ['envoy.filters.network.sni_dynamic_forward_proxy', 'envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
  const list = refused(filters[1].typed_config.rules as Json);
  for (const address of PRIVATE) assert.ok(blocked(list, address), `${address} is refused`);
  for (const address of PUBLIC) assert.ok(!blocked(list, address), `${address} is let through`);
  // Fails closed: allowed only when some address was resolved at all.
  assert.deepEqual(upstreamCidrs((filters[1].typed_config.rules as { policies: Record<string, { permissions: { and_rules: { rules: Json[] } }[] }> }).policies['public-destinations'].permissions[0].and_rules.rules[0]), [['0.0.0.0', 0], ['::', 0]]);
});

test('the HTTP guard is the same policy, per route, on the route to the DFP cluster only', () => {
  const result = compiledCase('sidecar-egress-wildcard-dfp');
  const network = chain(resource(result, TYPE_URL.listener, '0.0.0.0_443'), '443|*.com').filters[1].typed_config.rules;
  const routes = resource(result, TYPE_URL.route, '80').virtual_hosts as { name: string; routes: { typed_per_filter_config?: Record<string, { rbac: { rules: unknown } }> }[] }[];
  const guarded = routes.filter((vh) => vh.routes.some((r) => r.typed_per_filter_config !== undefined)).map((vh) => vh.name);
  assert.deepEqual(guarded, ['*.com:80']);
  assert.deepEqual(routes[0].routes[0].typed_per_filter_config?.['meshgate.dynamic_forward_proxy_guard'].rbac.rules, network);
  const hcm = chain(resource(result, TYPE_URL.listener, '0.0.0.0_80'), '80|http').filters[0].typed_config;
  assert.deepEqual((hcm.http_filters as { name: string }[]).map((f) => f.name), ['envoy.filters.http.dynamic_forward_proxy', 'meshgate.dynamic_forward_proxy_guard', 'envoy.filters.http.router']);
});

test('an entry annotated meshgate.io/allow-private-destinations only asks that the name resolved', () => {
  const result = compiledCase('sidecar-egress-wildcard-dfp');
  const rules = chain(resource(result, TYPE_URL.listener, '0.0.0.0_443'), '443|*.corp.example').filters[1].typed_config.rules as Json;
  assert.deepEqual(Object.keys(rules.policies as Json), ['resolved-destinations']);
  const list = refused(rules);
  for (const address of PRIVATE) assert.ok(!blocked(list, address), `${address} is allowed`);
});

test('every DFP filter and cluster names one DNS cache with the same settings (Envoy refuses two configs under one name)', () => {
  for (const name of ['sidecar-egress-wildcard-dfp', 'egress-gateway-wildcard-dfp']) {
    const text = JSON.stringify(compiledCase(name).resources);
    const caches = new Set([...text.matchAll(/"dns_cache_config":(\{[^}]*\})/g)].map((m) => m[1]));
    assert.deepEqual([...caches], ['{"name":"dynamic_forward_proxy_cache_config","dns_lookup_family":"V4_PREFERRED"}'], name);
  }
  const cluster = resource(compiledCase('egress-gateway-wildcard-dfp'), TYPE_URL.cluster, 'outbound|443||*.com');
  assert.equal(cluster.lb_policy, 'CLUSTER_PROVIDED');
  assert.equal((cluster.cluster_type as Json).name, 'envoy.clusters.dynamic_forward_proxy');
});

test('the egress gateway resolves and guards the SNI before tcp_proxy (istio#61831)', () => {
  const listener = resource(compiledCase('egress-gateway-wildcard-dfp'), TYPE_URL.listener, '0.0.0.0_443');
  const [only] = listener.filter_chains as { filter_chain_match: unknown; filters: { name: string; typed_config: Json }[] }[];
  assert.deepEqual(only.filter_chain_match, { server_names: ['*.com'] });
  assert.deepEqual(only.filters.map((f) => f.name), ['envoy.filters.network.sni_dynamic_forward_proxy', 'envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
  assert.equal(only.filters[0].typed_config.port_value, 443);
  assert.equal(only.filters[2].typed_config.cluster, 'outbound|443||*.com');
  assert.ok(blocked(refused(only.filters[1].typed_config.rules as Json), '169.254.169.254'));
});

test('the egress gateway HTTP port: the DFP filters before the router, the guard on the route to the wildcard host', () => {
  const result = compiledCase('egress-gateway-wildcard-dfp');
  const hcm = chain({ filter_chains: (resource(result, TYPE_URL.listener, '0.0.0.0_80').filter_chains as Json[]).map((c) => ({ ...c, name: 'only' })) }, 'only').filters[0].typed_config;
  assert.deepEqual((hcm.http_filters as { name: string }[]).map((f) => f.name), ['envoy.filters.http.dynamic_forward_proxy', 'meshgate.dynamic_forward_proxy_guard', 'envoy.filters.http.router']);
  const [wildcard] = resource(result, TYPE_URL.route, 'http.80').virtual_hosts as { name: string; routes: { route: { cluster: string }; typed_per_filter_config?: Record<string, { rbac: { rules: Json } }> }[] }[];
  assert.equal(wildcard.routes[0].route.cluster, 'outbound|80||*.com');
  assert.ok(blocked(refused(wildcard.routes[0].typed_per_filter_config?.['meshgate.dynamic_forward_proxy_guard'].rbac.rules ?? {}), '127.0.0.1'));
});

test('proxyless gRPC: a DYNAMIC_DNS wildcard entry names no target, so the client gets nothing for it', () => {
  const objects = objectsFromYaml('apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: any-com, namespace: default}\nspec:\n  hosts: ["*.com"]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DYNAMIC_DNS\n', 'inline');
  const result = compileProxy(stateOf(objects), GRPC_NODE, OPTIONS);
  assert.ok(!JSON.stringify(result.resources).includes('*.com'), 'no resource names *.com');
  assert.deepEqual(result.diagnostics, []);
});

test('an HTTPS server terminating TLS at the egress gateway and routing to the wildcard host gets the DFP filters and the guard', () => {
  const yaml = `apiVersion: v1
kind: Secret
metadata: {name: egress-credential, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.crt: { sha256: "${'1'.repeat(64)}", bytes: 1001 }
  tls.key: { sha256: "${'2'.repeat(64)}", bytes: 1002 }
problems: []
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: any-com, namespace: istio-system}
spec:
  hosts: ["*.com"]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DYNAMIC_DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*.com"]
    tls: {mode: SIMPLE, credentialName: egress-credential}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: any-com, namespace: istio-system}
spec:
  hosts: ["*.com"]
  gateways: [istio-egressgateway]
  http:
  - route: [{destination: {host: "*.com", port: {number: 80}}}]
`;
  const result = compileProxy(stateOf(objectsFromYaml(yaml, 'inline')), loadCase('egress-gateway-wildcard-dfp').node, OPTIONS);
  assert.deepEqual(result.diagnostics, []);
  const [only] = resource(result, TYPE_URL.listener, '0.0.0.0_443').filter_chains as { filters: { typed_config: Json }[] }[];
  assert.deepEqual((only.filters[0].typed_config.http_filters as { name: string }[]).map((f) => f.name), ['envoy.filters.http.dynamic_forward_proxy', 'meshgate.dynamic_forward_proxy_guard', 'envoy.filters.http.router']);
  const routeName = (only.filters[0].typed_config.rds as { route_config_name: string }).route_config_name;
  const [wildcard] = resource(result, TYPE_URL.route, routeName).virtual_hosts as { routes: { typed_per_filter_config?: Record<string, { rbac: { rules: Json } }> }[] }[];
  assert.ok(blocked(refused(wildcard.routes[0].typed_per_filter_config?.['meshgate.dynamic_forward_proxy_guard'].rbac.rules ?? {}), '10.0.0.1'));
});
