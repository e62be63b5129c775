import { UsageError } from './command.js';
import type { CliIo } from './io.js';

/** All of a stream as UTF-8, refusing more than `maxBytes` (a usage error naming `what`). */
export async function readAll(
  stream: CliIo['stdin'],
  maxBytes: number,
  what: string,
  command: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buffer.byteLength;
    if (size > maxBytes) {
      throw new UsageError(`${what} is larger than ${maxBytes} bytes.`, command);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
