// The image a container runs from. busybox, the default, need not be imported by hand: the set-up
// builds it offline (scripts/build.mjs, from Debian's busybox-static) and the launcher names the
// file in MYDOCKER_BUSYBOX; the first run that needs it imports it.
import { UsageError } from '../errors.ts';
import { parseReference } from './reference.ts';
import type { Image, ImageStore } from './store.ts';

export const DEFAULT_IMAGE = 'busybox:latest';

export async function resolveImage(store: ImageStore, name: string): Promise<Image> {
  const reference = parseReference(name);
  const image = store.find(reference.name);
  if (image) return image;
  if (reference.name === DEFAULT_IMAGE) {
    const file = process.env.MYDOCKER_BUSYBOX;
    if (!file)
      throw new UsageError(
        `unable to find image '${DEFAULT_IMAGE}': MYDOCKER_BUSYBOX names no image file (run mydocker through bin/mydocker.cjs, or import one with 'mydocker image import FILE busybox')`,
      );
    // Only here does `run` load the import (node-tar, koffi): once per state root.
    const { importImage } = await import('./import.ts');
    try {
      return await importImage(store, file, DEFAULT_IMAGE);
    } catch (error) {
      throw new UsageError(
        `unable to find image '${DEFAULT_IMAGE}', and importing the default one failed: ${(error as Error).message.replace(/^mydocker: /, '')} (npm install builds it; 'lab doctor' checks)`,
      );
    }
  }
  throw new UsageError(
    `unable to find image '${reference.name}': import it first with 'mydocker image import FILE ${reference.repository}${reference.tag === 'latest' ? '' : `:${reference.tag}`}' (see 'mydocker images')`,
  );
}
