/**
 * IST0161 InvalidGatewayCredential: a Gateway server terminating TLS (SIMPLE or MUTUAL) whose
 * `credentialName` does not resolve — no such Secret, a Secret of another type, without the keys
 * the mode needs, with `problems` found at apply (bad PEM, key not matching the certificate,
 * expired), or MUTUAL without a client CA. Resolved by the compiler's own `resolveCredential`, in
 * each namespace the Gateway's workloads run in, so analysis and compile never disagree: a server
 * reported here is one the compiler does not serve.
 */
import { resolveCredential } from '@meshgate/compiler';
import { INVALID_GATEWAY_CREDENTIAL } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { gatewayWorkloadNamespaces } from './gateway-workloads.js';
import { gateways } from './objects.js';

export const invalidGatewayCredential: Analyzer = {
  name: 'gateway.credential',
  types: [INVALID_GATEWAY_CREDENTIAL],
  analyze({ state }) {
    const secrets = { secretsByKey: state.byKind.Secret };
    const messages: AnalysisMessage[] = [];
    for (const gateway of gateways(state)) {
      const namespaces = gatewayWorkloadNamespaces(state, gateway);
      gateway.spec.servers.forEach((server, s) => {
        const tls = server.tls;
        if (!tls || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL') || tls.credentialName === undefined) return;
        for (const { namespace, how } of namespaces) {
          const resolved = resolveCredential(secrets, namespace, tls.credentialName, tls.mode === 'MUTUAL');
          if (resolved.ok) continue;
          messages.push(
            messageOf(
              INVALID_GATEWAY_CREDENTIAL,
              gateway,
              `invalid certificate reference ${tls.credentialName} of port ${server.port.number} (resolved in namespace ${namespace}: ${how}): ${resolved.reason}; the server is not served.`,
              `spec.servers[${s}].tls.credentialName`,
            ),
          );
        }
      });
    }
    return messages;
  },
};
