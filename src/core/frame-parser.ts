import { Transform, type TransformCallback } from 'node:stream';
import { FrameDecoder, type DecodeIssue } from './frame';

/**
 * The decoder as a stream transform, in the manner of serialport's parsers: bytes in, message objects out.
 * Undecodable input is reported as an 'issue' event and skipped; it never ends the stream.
 */
export class FrameParser extends Transform {
  private readonly decoder: FrameDecoder;

  constructor() {
    super({ readableObjectMode: true });
    this.decoder = new FrameDecoder({
      onMessage: (message) => this.push(message),
      onIssue: (issue: DecodeIssue) => this.emit('issue', issue),
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decoder.push(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.decoder.reset();
    callback();
  }
}
