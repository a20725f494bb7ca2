// A process of its own for the network store's tests (test/runtime/network-store.test.ts), run by
// Node with the sources as they are: `node network-worker.ts MODE ROOT ARG [GO]`.
//   allocate ROOT ID GO   waits until the file GO exists (so that all start at once), then takes the
//                         default network (made on first use), allocates an address for ID and
//                         makes its entry's directory (as run does); prints the network id and the address
//   hold ROOT -           takes the networks' lock, prints "held", and sleeps in it until killed
//   lock ROOT -           takes the lock, prints "in", holds it 200 ms, prints "out"
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkStore } from '../../solutions/src/network/store.ts';

const [mode, root, arg, go] = process.argv.slice(2);
const store = new NetworkStore(root);
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

if (mode === 'allocate') {
  while (!existsSync(go!)) sleep(1);
  const network = store.defaultNetwork();
  const address = store.allocate(network, arg!);
  // As `run` does next: the container's entry, which holds the address once its run has ended.
  mkdirSync(join(root!, 'containers', arg!), { recursive: true });
  process.stdout.write(`${network.id} ${address}\n`);
} else if (mode === 'hold') {
  store.withLock(() => {
    process.stdout.write('held\n');
    for (;;) sleep(1000);
  });
} else if (mode === 'lock') {
  store.withLock(() => {
    process.stdout.write('in\n');
    sleep(200);
    process.stdout.write('out\n');
  });
}
