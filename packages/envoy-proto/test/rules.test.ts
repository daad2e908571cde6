/**
 * The protoc-gen-validate checker (`checkRules`): each rule kind it supports is shown to catch a
 * violation — on real Envoy messages where a loaded Envoy message carries the rule, on the
 * messages of `test/rules.proto` where none does — and the clean fixtures pass.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { checkResource, checkRules, envoyRoot, includeDirs, messageRuleViolations, TYPE_URLS } from '../src/index.js';
import { findInIncludeDirs } from '../src/proto-files.js';
import { rulesOf, unsupportedRules } from '../src/rules/rules-of.js';
import { clusterLoadAssignment, edsCluster, grpcServerListener, routeConfiguration, sidecarListener, tlsCertificateSecret, validationContextSecret } from './fixtures.js';
import { withValue } from './mutate.js';

const HCM = ['filter_chains', 0, 'filters', 0, 'typed_config'];
const HCM_PATH = 'listener.filter_chains[0].filters[0].typed_config';
const ROUTE = ['virtual_hosts', 0, 'routes', 0];
const ROUTE_PATH = 'route_configuration.virtual_hosts[0].routes[0]';

/** The one violation a mutation causes (the fixture itself is clean). */
function onlyViolation(typeUrl: string, resource: Record<string, unknown>): string {
  const found = checkRules(typeUrl, resource);
  assert.equal(found.length, 1, found.join('\n'));
  return found[0];
}

function envoyType(name: string): protobuf.Type {
  return envoyRoot().lookupType(name);
}

const testRoot = (() => {
  const testDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test');
  const dirs = [testDir, ...includeDirs()];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => findInIncludeDirs(dirs, target) ?? target;
  root.loadSync('rules.proto', { keepCase: true });
  root.resolveAll();
  return root;
})();

function testViolations(message: string, value: Record<string, unknown>): string[] {
  return messageRuleViolations(testRoot.lookupType(`meshgate.test.rules.${message}`), value, message);
}

describe('checkRules on real Envoy messages', () => {
  it('finds nothing wrong with the clean fixtures', () => {
    assert.deepEqual(checkRules(TYPE_URLS.listener, sidecarListener()), []);
    assert.deepEqual(checkRules(TYPE_URLS.listener, grpcServerListener()), []);
    assert.deepEqual(checkRules(TYPE_URLS.route, routeConfiguration()), []);
    assert.deepEqual(checkRules(TYPE_URLS.cluster, edsCluster()), []);
    assert.deepEqual(checkRules(TYPE_URLS.endpoint, clusterLoadAssignment()), []);
    assert.deepEqual(checkRules(TYPE_URLS.secret, tlsCertificateSecret()), []);
    assert.deepEqual(checkRules(TYPE_URLS.secret, validationContextSecret()), []);
  });

  it('string min_len: a Cluster with an empty or absent name (proto3: absent is "")', () => {
    assert.equal(onlyViolation(TYPE_URLS.cluster, withValue(edsCluster(), ['name'], '')), 'cluster.name: must be at least 1 characters long ((validate.rules).string.min_len)');
    assert.equal(onlyViolation(TYPE_URLS.cluster, withValue(edsCluster(), ['name'], undefined)), 'cluster.name: must be at least 1 characters long ((validate.rules).string.min_len)');
  });

  it('string min_len inside an Any: an HttpConnectionManager without stat_prefix', () => {
    assert.equal(onlyViolation(TYPE_URLS.listener, withValue(sidecarListener(), [...HCM, 'stat_prefix'], undefined)), `${HCM_PATH}.stat_prefix: must be at least 1 characters long ((validate.rules).string.min_len)`);
  });

  it('oneof required: an HttpConnectionManager with no route specifier, a route with no action', () => {
    assert.equal(onlyViolation(TYPE_URLS.listener, withValue(sidecarListener(), [...HCM, 'rds'], undefined)), `${HCM_PATH}: one of rds, route_config, scoped_routes is required ((validate.required) on oneof route_specifier)`);
    assert.equal(onlyViolation(TYPE_URLS.route, withValue(routeConfiguration(), [...ROUTE, 'route'], undefined)), `${ROUTE_PATH}: one of route, redirect, direct_response, filter_action, non_forwarding_action is required ((validate.required) on oneof action)`);
  });

  it('message required: a route without match, an endpoint without address', () => {
    assert.equal(onlyViolation(TYPE_URLS.route, withValue(routeConfiguration(), [...ROUTE, 'match'], undefined)), `${ROUTE_PATH}.match: is required ((validate.rules).message.required)`);
    const noAddress = withValue(clusterLoadAssignment(), ['endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address'], undefined);
    assert.deepEqual(checkRules(TYPE_URLS.endpoint, noAddress), []);
    const socket = withValue(clusterLoadAssignment(), ['endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'socket_address', 'address'], '');
    assert.match(onlyViolation(TYPE_URLS.endpoint, socket), /^cluster_load_assignment\.endpoints\[0]\.lb_endpoints\[0]\.endpoint\.address\.socket_address\.address: must be at least 1 characters long/);
  });

  it('string well_known_regex HTTP_HEADER_NAME / HTTP_HEADER_VALUE (strict: false forbids NUL, CR, LF)', () => {
    const header = withValue(routeConfiguration(), [...ROUTE, 'match', 'headers', 0, 'name'], 'x-bad\nname');
    assert.equal(onlyViolation(TYPE_URLS.route, header), `${ROUTE_PATH}.match.headers[0].name: must be an HTTP header name (no NUL, CR or LF) ((validate.rules).string.well_known_regex = HTTP_HEADER_NAME, strict: false)`);
    const rewrite = withValue(routeConfiguration(), ['virtual_hosts', 0, 'routes', 1, 'route', 'prefix_rewrite'], '/a\r\nb');
    assert.match(onlyViolation(TYPE_URLS.route, rewrite), /routes\[1]\.route\.prefix_rewrite: must be an HTTP header value/);
  });

  it('string pattern: path_separated_prefix must not end with a slash', () => {
    const route = withValue(routeConfiguration(), [...ROUTE, 'match'], { path_separated_prefix: '/api/' });
    assert.equal(onlyViolation(TYPE_URLS.route, route), `${ROUTE_PATH}.match.path_separated_prefix: must match the pattern "^[^?#]+[^?#/]$" ((validate.rules).string.pattern)`);
  });

  it('string in: scheme_to_overwrite is http or https', () => {
    const listener = withValue(sidecarListener(), [...HCM, 'scheme_header_transformation'], { scheme_to_overwrite: 'ftp' });
    assert.equal(onlyViolation(TYPE_URLS.listener, listener), `${HCM_PATH}.scheme_header_transformation.scheme_to_overwrite: must be one of "http", "https" ((validate.rules).string.in)`);
  });

  it('uint32 lte: a port above 65535; a wrapped uint32 (CidrRange.prefix_len) above 128', () => {
    const port = withValue(sidecarListener(), ['address', 'socket_address', 'port_value'], 70000);
    assert.equal(onlyViolation(TYPE_URLS.listener, port), 'listener.address.socket_address.port_value: must be less than or equal to 65535 ((validate.rules).uint32.lte)');
    const cidr = withValue(sidecarListener(), ['filter_chains', 0, 'filter_chain_match', 'prefix_ranges'], [{ address_prefix: '10.0.0.0', prefix_len: { value: 129 } }]);
    assert.equal(onlyViolation(TYPE_URLS.listener, cidr), 'listener.filter_chains[0].filter_chain_match.prefix_ranges[0].prefix_len.value: must be less than or equal to 128 ((validate.rules).uint32.lte)');
  });

  it('uint32 gte/lte on repeated items: source_ports', () => {
    const listener = withValue(sidecarListener(), ['filter_chains', 0, 'filter_chain_match', 'source_ports'], [80, 0]);
    assert.equal(onlyViolation(TYPE_URLS.listener, listener), 'listener.filter_chains[0].filter_chain_match.source_ports[1]: must be inside range [1, 65535] ((validate.rules).uint32.gte/lte)');
  });

  it('double gte/lte on a wrapper: a preconnect ratio outside [1, 3]', () => {
    const cluster = withValue(edsCluster(), ['preconnect_policy'], { per_upstream_preconnect_ratio: { value: 3.5 } });
    assert.equal(onlyViolation(TYPE_URLS.cluster, cluster), 'cluster.preconnect_policy.per_upstream_preconnect_ratio.value: must be inside range [1, 3] ((validate.rules).double.gte/lte)');
  });

  it('enum defined_only and not_in: an undefined number; a SAN matcher of type 0', () => {
    const cluster = withValue(edsCluster(), ['circuit_breakers', 'thresholds', 0, 'priority'], 7);
    assert.equal(onlyViolation(TYPE_URLS.cluster, cluster), 'cluster.circuit_breakers.thresholds[0].priority: 7 is not a defined value of RoutingPriority ((validate.rules).enum.defined_only)');
    const secret = withValue(validationContextSecret(), ['validation_context', 'match_typed_subject_alt_names', 0, 'san_type'], 'SAN_TYPE_UNSPECIFIED');
    assert.equal(onlyViolation(TYPE_URLS.secret, secret), 'secret.validation_context.match_typed_subject_alt_names[0].san_type: must not be one of SAN_TYPE_UNSPECIFIED ((validate.rules).enum.not_in)');
  });

  it('repeated min_items: a virtual host without domains; max_items: 1001 headers to add', () => {
    const noDomains = withValue(routeConfiguration(), ['virtual_hosts', 0, 'domains'], []);
    assert.equal(onlyViolation(TYPE_URLS.route, noDomains), 'route_configuration.virtual_hosts[0].domains: must have at least 1 items (has 0) ((validate.rules).repeated.min_items)');
    const headers = Array.from({ length: 1001 }, (_, i) => ({ header: { key: `x-${i}`, value: 'v' } }));
    const many = withValue(routeConfiguration(), [...ROUTE, 'request_headers_to_add'], headers);
    assert.equal(onlyViolation(TYPE_URLS.route, many), `${ROUTE_PATH}.request_headers_to_add: must have at most 1000 items (has 1001) ((validate.rules).repeated.max_items)`);
  });

  it('repeated unique and items: response_headers_to_copy', () => {
    const policy = { response_headers_to_copy: ['x-a', 'x-a'] };
    const route = withValue(routeConfiguration(), [...ROUTE, 'route', 'internal_redirect_policy'], policy);
    assert.equal(onlyViolation(TYPE_URLS.route, route), `${ROUTE_PATH}.route.internal_redirect_policy.response_headers_to_copy[1]: repeats an earlier item; items must be unique ((validate.rules).repeated.unique)`);
    const strictCheck = withValue(sidecarListener(), [...HCM, 'http_filters', 0, 'typed_config', 'strict_check_headers'], ['x-envoy-max-retries', 'x-other']);
    assert.match(onlyViolation(TYPE_URLS.listener, strictCheck), /http_filters\[0]\.typed_config\.strict_check_headers\[1]: must be one of "x-envoy-upstream-rq-timeout-ms"/);
  });

  it('map keys: filter_metadata with an empty key', () => {
    const listener = withValue(sidecarListener(), ['metadata'], { filter_metadata: { '': { a: 1 } } });
    assert.equal(onlyViolation(TYPE_URLS.listener, listener), 'listener.metadata.filter_metadata[""] (key): must be at least 1 characters long ((validate.rules).string.min_len)');
  });

  it('duration gt and required: a zero connect_timeout; a backoff without base_interval', () => {
    const cluster = withValue(edsCluster(), ['connect_timeout'], { seconds: 0 });
    assert.equal(onlyViolation(TYPE_URLS.cluster, cluster), 'cluster.connect_timeout: must be greater than 0s ((validate.rules).duration.gt)');
    const backoff = envoyType('envoy.config.core.v3.BackoffStrategy');
    assert.deepEqual(messageRuleViolations(backoff, {}, 'backoff'), ['backoff.base_interval: is required ((validate.rules).duration.required)']);
    assert.deepEqual(messageRuleViolations(backoff, { base_interval: { nanos: 1000 } }, 'backoff'), ['backoff.base_interval: must be greater than or equal to 0.001s ((validate.rules).duration.gte)']);
  });

  it('duration gte/lt: an HttpUri timeout of 2^32 seconds; lte/gte as an exclusive range', () => {
    const uri = envoyType('envoy.config.core.v3.HttpUri');
    assert.deepEqual(messageRuleViolations(uri, { uri: 'https://x', cluster: 'c', timeout: { seconds: 2 ** 32 } }, 'http_uri'), [
      'http_uri.timeout: must be inside range [0s, 4294967296s) ((validate.rules).duration.gte/lt)',
    ]);
    const keepalive = envoyType('envoy.config.core.v3.QuicKeepAliveSettings');
    assert.deepEqual(messageRuleViolations(keepalive, { max_interval: { seconds: 0 } }, 'k'), [], '0 is allowed (outside the excluded range)');
    assert.deepEqual(messageRuleViolations(keepalive, { max_interval: { nanos: 500_000_000 } }, 'k'), ['k.max_interval: must be outside range 0s … 1s ((validate.rules).duration.gte/lte)']);
  });

  it('Envoy refuses a negative duration anywhere: a route timeout of -3s', () => {
    const route = withValue(routeConfiguration(), [...ROUTE, 'route', 'timeout'], { seconds: -3 });
    assert.equal(onlyViolation(TYPE_URLS.route, route), `${ROUTE_PATH}.route.timeout: must not be negative (Envoy: "Invalid duration: Expected positive duration")`);
  });

  it('any required: a TypedExtensionConfig without typed_config (a listener filter config discovery)', () => {
    const extension = envoyType('envoy.config.core.v3.TypedExtensionConfig');
    assert.deepEqual(messageRuleViolations(extension, { name: 'x' }, 'extension'), ['extension.typed_config: is required ((validate.rules).any.required)']);
  });

  it('reports every violation at once, and checkResource adds them after a clean shape', () => {
    const bad = withValue(withValue(edsCluster(), ['name'], ''), ['connect_timeout'], { seconds: 0 });
    assert.equal(checkRules(TYPE_URLS.cluster, bad).length, 2);
    assert.deepEqual(checkResource(TYPE_URLS.cluster, bad), checkRules(TYPE_URLS.cluster, bad));
    assert.deepEqual(checkResource(TYPE_URLS.cluster, withValue(bad, ['nme'], 'x')), ['unknown field cluster.nme (did you mean name?)'], 'shape problems come alone');
  });
});

describe('checkRules on test/rules.proto (rules no loaded Envoy message carries)', () => {
  it('a clean message passes', () => {
    assert.deepEqual(testViolations('Strings', { max_len: 'abc', header_value: 'ok' }), []);
    assert.deepEqual(testViolations('Numbers', { int64_lt: '99', uint32_in: 7, double_range: 0.5, outside: 25 }), []);
    assert.deepEqual(testViolations('Collections', { labels: { ab: 'x' }, ports: [80, 443] }), []);
    assert.deepEqual(testViolations('Times', { required_duration: { seconds: 59 } }), []);
  });

  const stringCases: Array<[Record<string, unknown>, string]> = [
    [{ max_len: 'abcd' }, 'Strings.max_len: must be at most 3 characters long ((validate.rules).string.max_len)'],
    [{ max_len: 'äöü' }, ''],
    [{ bytes_max: 'äöü' }, 'Strings.bytes_max: must be at most 4 bytes long ((validate.rules).string.max_bytes)'],
    [{ prefix: 'status' }, 'Strings.prefix: must start with "/" ((validate.rules).string.prefix)'],
    [{ hostname: 'bad_host.example.com' }, 'Strings.hostname: must be a hostname (RFC 1034) ((validate.rules).string.hostname)'],
    [{ hostname: 'httpbin.example.com' }, ''],
    [{ ip: '10.0.0.300' }, 'Strings.ip: must be an IP address ((validate.rules).string.ip)'],
    [{ ip: '::1' }, ''],
    [{ header_name: 'x header' }, 'Strings.header_name: must be an HTTP header name ((validate.rules).string.well_known_regex = HTTP_HEADER_NAME)'],
    [{ header_name: ':authority' }, ''],
    [{ header_value: 'a\u0001b' }, 'Strings.header_value: must be an HTTP header value ((validate.rules).string.well_known_regex = HTTP_HEADER_VALUE)'],
    [{ not_in: 'forbidden' }, 'Strings.not_in: must not be one of "forbidden" ((validate.rules).string.not_in)'],
    [{ uri: 'not a uri' }, 'Strings.uri: must be an absolute URI ((validate.rules).string.uri)'],
    [{ address: '-bad-' }, 'Strings.address: must be a hostname or an IP address ((validate.rules).string.address)'],
  ];
  for (const [value, expected] of stringCases) {
    it(`string: ${JSON.stringify(value)}`, () => {
      assert.deepEqual(testViolations('Strings', { header_value: 'ok', ...value }), expected ? [expected] : []);
    });
  }

  const numberCases: Array<[Record<string, unknown>, string]> = [
    [{ int32_gt: -1 }, 'Numbers.int32_gt: must be greater than -1 ((validate.rules).int32.gt)'],
    [{ int64_lt: '100' }, 'Numbers.int64_lt: must be less than 100 ((validate.rules).int64.lt)'],
    [{ uint32_in: 8 }, 'Numbers.uint32_in: must be one of 0, 7, 9 ((validate.rules).uint32.in)'],
    [{ uint32_not_in: 13 }, 'Numbers.uint32_not_in: must not be one of 13 ((validate.rules).uint32.not_in)'],
    [{ uint32_const: 1 }, 'Numbers.uint32_const: must equal 0 ((validate.rules).uint32.const)'],
    [{ double_range: 1.01 }, 'Numbers.double_range: must be inside range [0, 1] ((validate.rules).double.gte/lte)'],
    [{ outside: 15 }, 'Numbers.outside: must be outside range 10 … 20 ((validate.rules).uint32.gt/lt)'],
    [{ wrapped: { value: '4' } }, 'Numbers.wrapped.value: must be greater than or equal to 5 ((validate.rules).int64.gte)'],
  ];
  for (const [value, expected] of numberCases) {
    it(`numbers: ${JSON.stringify(value)}`, () => {
      assert.deepEqual(testViolations('Numbers', value), [expected]);
    });
  }

  it('map min_pairs/max_pairs/keys/values and repeated unique/items', () => {
    assert.deepEqual(testViolations('Collections', {}), ['Collections.labels: must have at least 1 pairs (has 0) ((validate.rules).map.min_pairs)']);
    assert.deepEqual(testViolations('Collections', { labels: { ab: 'x', cd: 'y', ef: 'z' } }), ['Collections.labels: must have at most 2 pairs (has 3) ((validate.rules).map.max_pairs)']);
    assert.deepEqual(testViolations('Collections', { labels: { a: 'long' } }), [
      'Collections.labels["a"] (key): must be at least 2 characters long ((validate.rules).string.min_len)',
      'Collections.labels["a"]: must be at most 3 characters long ((validate.rules).string.max_len)',
    ]);
    assert.deepEqual(testViolations('Collections', { labels: { ab: 'x' }, ports: [80, 0, 80] }), [
      'Collections.ports[2]: repeats an earlier item; items must be unique ((validate.rules).repeated.unique)',
      'Collections.ports[1]: must be inside range [1, 65535] ((validate.rules).uint32.gte/lte)',
    ]);
  });

  it('duration required/lt, timestamp lt, any in', () => {
    assert.deepEqual(testViolations('Times', {}), ['Times.required_duration: is required ((validate.rules).duration.required)']);
    assert.deepEqual(testViolations('Times', { required_duration: { seconds: 60 } }), ['Times.required_duration: must be less than 60s ((validate.rules).duration.lt)']);
    assert.deepEqual(testViolations('Times', { required_duration: { seconds: 1 }, not_after: { seconds: 4102444801 } }), ['Times.not_after: must be less than 4102444800s ((validate.rules).timestamp.lt)']);
    assert.deepEqual(testViolations('Times', { required_duration: { seconds: 1 }, typed: { '@type': TYPE_URLS.router } }), [
      `Times.typed: type ${TYPE_URLS.router} must be one of type.googleapis.com/google.protobuf.Duration ((validate.rules).any.in)`,
    ]);
  });
});

describe('checkRules: message options, skip, oneofs, bytes and bool (test/rules.proto)', () => {
  it('(validate.disabled) turns every rule of the message off', () => {
    assert.deepEqual(testViolations('Disabled', {}), []);
  });

  it('message skip and required; a required oneof; a oneof member checked only when set', () => {
    assert.deepEqual(testViolations('Skipping', { skipped: { max_len: 'too long' }, checked: { header_value: 'ok' }, a: 'x', flag: true }), [], 'skipped is not walked');
    assert.deepEqual(testViolations('Skipping', { a: 'x', flag: true }), ['Skipping.checked: is required ((validate.rules).message.required)']);
    assert.deepEqual(testViolations('Skipping', { checked: { header_value: 'ok', max_len: 'long' }, flag: true }), [
      'Skipping.checked.max_len: must be at most 3 characters long ((validate.rules).string.max_len)',
      'Skipping: one of a, b is required ((validate.required) on oneof choice)',
    ]);
    assert.deepEqual(testViolations('Skipping', { checked: { header_value: 'ok' }, b: 0, flag: true }), ['Skipping.b: must be greater than 0 ((validate.rules).uint32.gt)']);
  });

  it('bytes max_len and prefix (base64 or a Buffer); bool const', () => {
    const base = { checked: { header_value: 'ok' }, a: 'x', flag: true };
    assert.deepEqual(testViolations('Skipping', { ...base, raw: Buffer.from('abc').toString('base64') }), ['Skipping.raw: must be at most 2 bytes long ((validate.rules).bytes.max_len)']);
    assert.deepEqual(testViolations('Skipping', { ...base, raw: Buffer.from('b') }), ['Skipping.raw: must start with the given bytes ((validate.rules).bytes.prefix)']);
    assert.deepEqual(testViolations('Skipping', { ...base, flag: false }), ['Skipping.flag: must equal true ((validate.rules).bool.const)']);
  });

  it('bytes max_len on a real Envoy message: HeaderValue.raw_value over 16 KiB', () => {
    const header = envoyType('envoy.config.core.v3.HeaderValue');
    assert.deepEqual(messageRuleViolations(header, { key: 'x-a', raw_value: Buffer.alloc(16385, 97).toString('base64') }, 'header'), [
      'header.raw_value: must be at most 16384 bytes long ((validate.rules).bytes.max_len)',
    ]);
  });
});

describe('coverage of the loaded protos', () => {
  it('every rule the loaded Envoy protos declare is one the checker evaluates', () => {
    const unsupported = new Set<string>();
    let ruled = 0;
    const walk = (namespace: protobuf.NamespaceBase): void => {
      for (const nested of namespace.nestedArray) {
        if (nested instanceof protobuf.Type) {
          for (const field of nested.fieldsArray) {
            const rules = rulesOf(field);
            if (!rules) continue;
            ruled += 1;
            for (const name of unsupportedRules(rules)) unsupported.add(`${name} (${nested.fullName}.${field.name})`);
          }
        }
        if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
      }
    };
    walk(envoyRoot());
    assert.ok(ruled > 400, `${ruled} fields carry rules`);
    assert.deepEqual([...unsupported], []);
  });
});
