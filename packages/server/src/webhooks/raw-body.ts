import { JoineryError } from '@joinery/engine';

/**
 * Reads a request body as bytes, at most `maxBytes`: signatures are over the raw bytes, so the
 * body is read before anything parses it, and a larger body is refused before it is buffered.
 */
export async function readRawBody(request: Request, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new JoineryError('invalid_input', `the webhook body is larger than ${maxBytes} bytes`, {
      path: 'body',
    });
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (request.body === null) return Buffer.alloc(0);
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}
