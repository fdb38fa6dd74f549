/**
 * Reads a body in large pieces into one reused buffer, for the stages that must see a body go by
 * (the idle timeout of a response, the byte count of an upload).
 *
 * Why: a stream read with a default reader arrives in workerd as 4 KiB chunks (256 JavaScript
 * turns per MiB), each a new buffer for V8 to collect. A BYOB read fills up to 64 KiB in one turn
 * and hands the same memory back for the next read, so passing a body through JavaScript costs
 * a few turns per MiB and leaves no garbage. Streams that cannot be read that way (a stream made
 * in JavaScript) are read chunk by chunk, as before.
 */

/** Bytes asked for per read. */
export const PIECE_BYTES = 64 * 1024;

export interface ByteReader {
  /**
   * The next piece, or null at the end. The piece is only valid until the next call: write it
   * (and wait for the write) before reading again.
   */
  read(): Promise<Uint8Array | null>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * @example const reader = byteReader(response.body); for (let p = await reader.read(); p; p = await reader.read()) await writer.write(p);
 */
export function byteReader(stream: ReadableStream<Uint8Array>, size = PIECE_BYTES): ByteReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    const reader = stream.getReader();
    return {
      read: async () => {
        const next = await reader.read();
        return next.done ? null : next.value;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  let buffer: ArrayBuffer | null = new ArrayBuffer(size);
  return {
    async read() {
      // A BYOB read takes the buffer over and gives it back in the view it resolves with.
      const next = await byob.read(new Uint8Array(buffer ?? new ArrayBuffer(size)));
      buffer = next.value ? next.value.buffer : null;
      return next.done ? null : (next.value as Uint8Array);
    },
    cancel: (reason) => byob.cancel(reason),
  };
}
