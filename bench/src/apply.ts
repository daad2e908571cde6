/**
 * Objects posted to a running meshgate as a user applies them (`POST /v1/apply`, one YAML stream
 * per apply), for the benches that drive a whole meshgate.
 */
import type { RunningMeshgate } from '@meshgate/cli';
import { apply } from '@meshgate/e2e';
import type { MeshObject } from '@meshgate/model';

function toYaml(objects: readonly MeshObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n');
}

/** One apply of `objects`; the sequence of its last event. Anything but a 200 with a sequence fails the bench. */
export async function applyObjects(meshgate: RunningMeshgate, objects: readonly MeshObject[]): Promise<number> {
  const response = await apply(meshgate.apiUrl, toYaml(objects), meshgate.apiToken);
  if (response.status !== 200 || response.body.sequence === undefined) throw new Error(`apply failed: ${JSON.stringify(response.body).slice(0, 500)}`);
  return response.body.sequence;
}

/** A whole workload, 500 objects per apply; resolves with the last sequence once the embedded xds service has followed it. */
export async function applyWorkload(meshgate: RunningMeshgate, objects: readonly MeshObject[]): Promise<number> {
  let sequence = 0;
  for (let i = 0; i < objects.length; i += 500) sequence = await applyObjects(meshgate, objects.slice(i, i + 500));
  await meshgate.xds.follower.waitFor(sequence);
  return sequence;
}
