import type { Services } from '../services';

/** decnet.topologies.refresh — scans again; errors show in the tree and the output channel. */
export async function refreshTopologies(services: Services): Promise<void> {
  await services.model.refresh();
}
