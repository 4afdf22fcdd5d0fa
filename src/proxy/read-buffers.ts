/**
 * Free lists of the upstream sockets' read buffers (see splice.ts). A new
 * connection takes a buffer from here instead of allocating one, and a closed
 * one gives its buffer back, so churning short connections (kubectl, CI jobs)
 * costs no allocation and no garbage. Bounded: past the cap a buffer is left to GC.
 */

/** First read buffer of an upstream socket (nginx's proxy_buffer_size is 16k too). */
export const FIRST_READ_BYTES = 16 * 1024;
/** After a read that filled the buffer: a bulk transfer, read in larger pieces. */
export const BULK_READ_BYTES = 64 * 1024;

const KEEP: Record<number, number> = { [FIRST_READ_BYTES]: 1024, [BULK_READ_BYTES]: 64 };
const free: Record<number, Buffer[]> = { [FIRST_READ_BYTES]: [], [BULK_READ_BYTES]: [] };

export function takeBuffer(size: number): Buffer {
  return free[size]?.pop() ?? Buffer.allocUnsafeSlow(size);
}

/** Only for a buffer nothing references any more: no read into it, no pending write of it. */
export function giveBuffer(buf: Buffer): void {
  const list = free[buf.length];
  if (list !== undefined && list.length < KEEP[buf.length]!) list.push(buf);
}
