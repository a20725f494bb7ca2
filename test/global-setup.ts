// Around the whole unit run: it must leave this machine's network namespace as it found it
// (checker/host-network-guard.ts).
import { guardHostNetwork } from '../checker/host-network-guard.ts';

export default function setup(): () => void {
  return guardHostNetwork('unit run');
}
