// The guest's kernel, uncompressed. A bzImage decompresses itself before it prints anything, and
// under TCG (qemu emulating every instruction) that costs about 3.5 s of each boot, more than the
// rest of the boot together. The uncompressed ELF inside it boots straight away through its PVH entry
// point (CONFIG_PVH, which Debian's kernels have): qemu recognises it from its ELF note.
//
// The payload is found from the bzImage's own header (Documentation/arch/x86/boot.rst: setup_sects
// at 0x1f1, payload_offset and payload_length at 0x248), decompressed once and cached under .lab/vm/.
// When that cannot be done (an unknown compression, no xz), the bzImage is booted as it is.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';

const PVH_NOTE = 18; // XEN_ELFNOTE_PHYS32_ENTRY

/**
 * The compressed kernel inside a bzImage, with the size it decompresses to (the payload's last 4 bytes).
 * @param {Buffer} image
 * @returns {{ data: Buffer, size: number } | undefined}
 */
function payload(image) {
  if (image.toString('latin1', 0x202, 0x206) !== 'HdrS' || image.readUInt16LE(0x206) < 0x208) return undefined;
  const start = ((image[0x1f1] || 4) + 1) * 512 + image.readUInt32LE(0x248);
  const data = image.subarray(start, start + image.readUInt32LE(0x24c));
  return { data, size: data.readUInt32LE(data.length - 4) };
}

/**
 * The payload decompressed, or undefined. gzip ends with its own size; the others have it appended.
 * @param {Buffer} data
 * @returns {Buffer | undefined}
 */
function decompress(data) {
  try {
    if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data);
    if (data.readUInt32LE(0) === 0xfd2fb528) return zstdDecompressSync(data.subarray(0, -4));
    if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
      // --single-stream: the 4-byte size after the stream is not another stream.
      return execFileSync('xz', ['-dc', '--single-stream'], {
        input: data,
        maxBuffer: 512 * 1024 * 1024,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
    }
  } catch {
    // no xz on this machine, or data it cannot read: boot the bzImage
  }
  return undefined; // lz4, lzo, bzip2, lzma: rare; boot the bzImage
}

/** True when `elf` is an x86-64 ELF with a PVH entry note, which qemu can boot with -kernel. @param {Buffer} elf */
function hasPvhNote(elf) {
  if (elf.readUInt32BE(0) !== 0x7f454c46) return false;
  const phoff = Number(elf.readBigUInt64LE(32));
  for (let i = 0; i < elf.readUInt16LE(56); i++) {
    const header = phoff + i * elf.readUInt16LE(54);
    if (elf.readUInt32LE(header) !== 4 /* PT_NOTE */) continue;
    let at = Number(elf.readBigUInt64LE(header + 8));
    const end = at + Number(elf.readBigUInt64LE(header + 32));
    while (at + 12 <= end) {
      const [nameSize, descSize, type] = [elf.readUInt32LE(at), elf.readUInt32LE(at + 4), elf.readUInt32LE(at + 8)];
      if (type === PVH_NOTE && elf.toString('latin1', at + 12, at + 15) === 'Xen') return true;
      at += 12 + Math.ceil(nameSize / 4) * 4 + Math.ceil(descSize / 4) * 4;
    }
  }
  return false;
}

/**
 * The path qemu should boot: a cached uncompressed kernel when one can be made, else the bzImage.
 * @param {{ cacheDir: string, kernel: import('./host.mjs').Kernel }} options
 * @returns {string}
 */
export function bootableKernel({ cacheDir, kernel }) {
  const stat = statSync(kernel.path);
  const key = createHash('sha256').update(`${kernel.path} ${stat.size} ${stat.mtimeMs}`).digest('hex').slice(0, 12);
  const path = join(cacheDir, `vmlinux-${kernel.version}-${key}`);
  const failed = `${path}.unusable`;
  if (existsSync(path)) return path;
  if (existsSync(failed)) return kernel.path;

  mkdirSync(cacheDir, { recursive: true });
  const found = payload(readFileSync(kernel.path));
  const elf = found && decompress(found.data);
  if (!elf || elf.length !== found.size || !hasPvhNote(elf)) {
    writeFileSync(failed, ''); // remembered, so the next run does not try again
    return kernel.path;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, elf);
  renameSync(temporary, path);
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith('vmlinux-') && !name.startsWith(`vmlinux-${kernel.version}-${key}`))
      rmSync(join(cacheDir, name), { force: true });
  }
  return path;
}
