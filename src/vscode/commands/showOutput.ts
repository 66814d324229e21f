import type { Services } from '../services';

/** decnet.output.show */
export function showOutput(services: Services): void {
  services.log.show();
}
