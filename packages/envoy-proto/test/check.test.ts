import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResource, checkShape, encodeResource, InvalidResourceError, TYPE_URLS } from '../src/index.js';
import { edsCluster, grpcServerListener, routeConfiguration, sidecarListener } from './fixtures.js';
import { withValue } from './mutate.js';

const HCM = ['filter_chains', 0, 'filters', 0, 'typed_config'];
const HCM_PATH = 'listener.filter_chains[0].filters[0].typed_config';

function listenerProblems(resource: Record<string, unknown>): string[] {
  return checkResource(TYPE_URLS.listener, resource);
}

describe('checkResource', () => {
  it('finds nothing wrong with a correct listener (HCM over RDS, router filter in a typed_config Any)', () => {
    assert.deepEqual(listenerProblems(sidecarListener()), []);
    assert.deepEqual(listenerProblems(grpcServerListener()), []);
    assert.deepEqual(checkResource(TYPE_URLS.route, routeConfiguration()), []);
    assert.deepEqual(checkResource(TYPE_URLS.cluster, edsCluster()), []);
  });

  it('reports a misspelt nested field inside an Any with its full path', () => {
    const resource = withValue(sidecarListener(), [...HCM, 'rds', 'config_sourc'], { ads: {} });
    assert.deepEqual(listenerProblems(resource), [`unknown field ${HCM_PATH}.rds.config_sourc (did you mean config_source?)`]);
  });

  it('reports a misspelt field directly under the resource, with a hint for camelCase', () => {
    const typo = withValue(sidecarListener(), ['filter_chains', 0, 'filtrs'], []);
    assert.deepEqual(listenerProblems(typo), ['unknown field listener.filter_chains[0].filtrs (did you mean filters?)']);
    const camel = withValue(sidecarListener(), ['statPrefix'], 'x');
    assert.deepEqual(listenerProblems(camel), ['unknown field listener.statPrefix (the field is named stat_prefix)']);
  });

  it('reports values of the wrong type', () => {
    const cases: Array<[Array<string | number>, unknown, RegExp]> = [
      [['address', 'socket_address', 'port_value'], '15003', /^listener\.address\.socket_address\.port_value: expected an integer in uint32 range/],
      [['address', 'socket_address', 'port_value'], -1, /^listener\.address\.socket_address\.port_value: expected an integer in uint32 range.*got number -1/],
      [['address', 'socket_address', 'port_value'], 2 ** 32, /port_value: expected an integer in uint32 range/],
      [['address', 'socket_address', 'port_value'], 1.5, /port_value: expected an integer/],
      [['name'], 42, /^listener\.name: expected a string, got number 42$/],
      [['address'], 'localhost:80', /^listener\.address: expected an object \(envoy\.config\.core\.v3\.Address\), got string "localhost:80"$/],
      [['filter_chains'], { filters: [] }, /^listener\.filter_chains: expected an array \(repeated envoy\.config\.listener\.v3\.FilterChain\), got an object$/],
      [[...HCM, 'rds', 'config_source', 'ads'], true, new RegExp(`^${escape(HCM_PATH)}\\.rds\\.config_source\\.ads: expected an object`)],
      [['filter_chains', 0, 'transport_socket', 'typed_config', 'require_client_certificate'], true, /require_client_certificate: expected an object \(google\.protobuf\.BoolValue\), got boolean true$/],
      [['filter_chains', 0, 'transport_socket', 'typed_config', 'require_client_certificate', 'value'], 'yes', /require_client_certificate\.value: expected a boolean, got string "yes"$/],
      [['filter_chains', 0, 'filter_chain_match', 'server_names'], 'a.example.com', /filter_chain_match\.server_names: expected an array/],
      [['metadata', 'filter_metadata'], ['x'], /^listener\.metadata\.filter_metadata: expected an object \(map<string, google\.protobuf\.Struct>\), got an array$/],
      [['metadata', 'filter_metadata', 'meshgate'], 'x', /^listener\.metadata\.filter_metadata\["meshgate"\]: expected a JSON object \(google\.protobuf\.Struct\)/],
      [['metadata', 'filter_metadata', 'meshgate', 'generation'], Number.NaN, /^listener\.metadata\.filter_metadata\["meshgate"\]\.generation: expected a finite number/],
      [['listener_filters_timeout'], { seconds: 1, nanos: 2 ** 40 }, /^listener\.listener_filters_timeout\.nanos: expected an integer in int32 range/],
      [['listener_filters_timeout'], { seconds: 1.5 }, /^listener\.listener_filters_timeout\.seconds: expected an integer \(a safe number or a decimal string\) in int64 range/],
    ];
    for (const [path, value, expected] of cases) {
      const problems = listenerProblems(withValue(sidecarListener(), path, value));
      assert.equal(problems.length, 1, `${path.join('.')} = ${JSON.stringify(value)}: ${problems.join('; ')}`);
      assert.match(problems[0], expected);
    }
  });

  it('accepts 64-bit integers as safe numbers or decimal strings', () => {
    // The shape only: Envoy itself would refuse a Duration this long (checkRules says so).
    assert.deepEqual(checkShape(TYPE_URLS.listener, withValue(sidecarListener(), ['listener_filters_timeout'], { seconds: '9007199254740993' })), []);
    assert.equal(listenerProblems(withValue(sidecarListener(), ['listener_filters_timeout'], { seconds: '5s' })).length, 1);
  });

  it('reports an enum name that does not exist, and accepts defined enum numbers', () => {
    const bad = withValue(sidecarListener(), [...HCM, 'codec_type'], 'HTTP9');
    assert.deepEqual(listenerProblems(bad), [
      `${HCM_PATH}.codec_type: expected a value of enum envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType (AUTO, HTTP1, HTTP2, HTTP3), got string "HTTP9"`,
    ]);
    assert.deepEqual(listenerProblems(withValue(sidecarListener(), [...HCM, 'codec_type'], 2)), []);
    assert.equal(listenerProblems(withValue(sidecarListener(), [...HCM, 'codec_type'], 99)).length, 1);
    const cluster = withValue(edsCluster(), ['lb_policy'], 'ROUND_ROBN');
    assert.match(checkResource(TYPE_URLS.cluster, cluster)[0], /^cluster\.lb_policy: expected a value of enum envoy\.config\.cluster\.v3\.Cluster\.LbPolicy \(ROUND_ROBIN, /);
  });

  it('reports two members of one oneof', () => {
    const both = withValue(sidecarListener(), [...HCM, 'route_config'], { name: 'inline' });
    assert.deepEqual(listenerProblems(both), [`${HCM_PATH}: rds and route_config are members of oneof route_specifier; set at most one`]);
    const route = withValue(routeConfiguration(), ['virtual_hosts', 0, 'routes', 0, 'match', 'path'], '/exact');
    assert.deepEqual(checkResource(TYPE_URLS.route, route), [
      'route_configuration.virtual_hosts[0].routes[0].match: prefix and path are members of oneof path_specifier; set at most one',
    ]);
  });

  it('treats undefined and null members as not set', () => {
    const resource = withValue(sidecarListener(), [...HCM, 'route_config'], null);
    assert.deepEqual(listenerProblems(resource), []);
    const cleared = { ...sidecarListener(), per_connection_buffer_limit_bytes: undefined };
    assert.deepEqual(listenerProblems(cleared), []);
  });

  it('reports an Any of an unknown type URL, or without one', () => {
    const unknown = withValue(sidecarListener(), [...HCM, 'http_filters', 0, 'typed_config', '@type'], 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr');
    assert.deepEqual(listenerProblems(unknown), [
      `${HCM_PATH}.http_filters[0].typed_config.@type: unknown type URL "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr" (expected type.googleapis.com/<a loaded message>)`,
    ]);
    const badPrefix = withValue(sidecarListener(), [...HCM, '@type'], 'types.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    assert.match(listenerProblems(badPrefix)[0], /typed_config\.@type: unknown type URL "types\.googleapis/);
    // A short name must not resolve through protobufjs' relative lookup.
    const shortName = withValue(sidecarListener(), [...HCM, 'http_filters', 0, 'typed_config', '@type'], 'type.googleapis.com/Router');
    assert.equal(listenerProblems(shortName).length, 1);
    const missing = withValue(sidecarListener(), [...HCM, 'http_filters', 0, 'typed_config'], {});
    assert.deepEqual(listenerProblems(missing), [
      `${HCM_PATH}.http_filters[0].typed_config: expected '@type' to be a type URL string (google.protobuf.Any), got nothing`,
    ]);
  });

  it('walks an Any with the inner message type, so its fields are checked too', () => {
    const wrongInner = withValue(sidecarListener(), [...HCM, 'http_filters', 0, 'typed_config', 'dynamic_stats'], true);
    assert.match(listenerProblems(wrongInner)[0], /http_filters\[0\]\.typed_config\.dynamic_stats: expected an object \(google\.protobuf\.BoolValue\)/);
    const notInRouter = withValue(sidecarListener(), [...HCM, 'http_filters', 0, 'typed_config', 'stat_prefix'], 'x');
    assert.match(listenerProblems(notInRouter)[0], /^unknown field .*http_filters\[0\]\.typed_config\.stat_prefix/);
  });

  it('checks map keys and values, including Any values in maps', () => {
    const cluster = withValue(edsCluster(), ['typed_extension_protocol_options', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions', 'explicit_http_config', 'http3'], {});
    assert.deepEqual(checkResource(TYPE_URLS.cluster, cluster), [
      'unknown field cluster.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http3',
    ]);
    const policy = withValue(grpcServerListener(), [...HCM, 'http_filters', 0, 'typed_config', 'rules', 'policies', 'allow-ingress-gateway', 'permissions'], [{ any: 'yes' }]);
    assert.deepEqual(listenerProblems(policy), [
      `${HCM_PATH}.http_filters[0].typed_config.rules.policies["allow-ingress-gateway"].permissions[0].any: expected a boolean, got string "yes"`,
    ]);
  });

  it('reports every problem at once, and an unknown resource type URL', () => {
    const resource = withValue(withValue(sidecarListener(), ['name'], 7), ['bogus'], 1);
    assert.equal(listenerProblems(resource).length, 2);
    assert.deepEqual(checkResource('type.googleapis.com/envoy.config.listener.v3.Listenr', {}), [
      'unknown type URL "type.googleapis.com/envoy.config.listener.v3.Listenr"',
    ]);
  });

  it('encodeResource refuses a resource with problems and lists them', () => {
    const resource = withValue(sidecarListener(), ['filter_chains', 0, 'filtrs'], []);
    assert.throws(
      () => encodeResource(TYPE_URLS.listener, resource),
      (error: unknown) =>
        error instanceof InvalidResourceError &&
        error.typeUrl === TYPE_URLS.listener &&
        error.problems.length === 1 &&
        error.message.includes('unknown field listener.filter_chains[0].filtrs'),
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
