/**
 * API Gateway's size quotas are per frame (32 KB) and per message (128 KB);
 * the `ws` library only knows a per-message limit. This guard reads the
 * client → server byte stream alongside `ws` and reports the first frame or
 * message over a limit, so the gateway can close with 1009 as AWS does.
 *
 * It parses only frame headers (RFC 6455 §5.2) and skips payloads, so it
 * costs next to nothing. Permessage-deflate is never negotiated by the
 * gateway, so on-wire payload sizes are message sizes.
 */
export interface FrameLimits {
  maxFrameBytes: number;
  maxMessageBytes: number;
}

export type FrameViolation = 'frame-too-big' | 'message-too-big';

export class FrameGuard {
  private header = Buffer.alloc(0);
  private payloadLeft = 0;
  private messageBytes = 0;
  private tripped = false;

  constructor(
    private readonly limits: FrameLimits,
    private readonly onViolation: (kind: FrameViolation, bytes: number) => void,
  ) {}

  feed(chunk: Buffer): void {
    let offset = 0;
    while (!this.tripped && offset < chunk.length) {
      if (this.payloadLeft > 0) {
        const skip = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= skip;
        offset += skip;
        continue;
      }
      // Accumulate header bytes until a full header is available.
      const needed = this.headerLength();
      const take = Math.min(chunk.length - offset, Math.max(needed, 2) - this.header.length);
      if (take > 0) {
        this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
        offset += take;
      }
      const full = this.headerLength();
      if (this.header.length < full) continue;
      this.onHeader();
    }
  }

  /** Header length implied by what has been read so far (2 until known). */
  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const len7 = this.header[1]! & 0x7f;
    const masked = (this.header[1]! & 0x80) !== 0;
    const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    return 2 + ext + (masked ? 4 : 0);
  }

  private onHeader(): void {
    const b0 = this.header[0]!;
    const b1 = this.header[1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const len7 = b1 & 0x7f;
    let length: number;
    if (len7 === 126) length = this.header.readUInt16BE(2);
    else if (len7 === 127) length = Number(this.header.readBigUInt64BE(2));
    else length = len7;
    this.header = Buffer.alloc(0);
    this.payloadLeft = length;

    const isControl = opcode >= 0x8;
    if (isControl) return; // ping/pong/close: ≤125 bytes by protocol, not counted
    if (length > this.limits.maxFrameBytes) return this.trip('frame-too-big', length);
    this.messageBytes = opcode === 0x0 ? this.messageBytes + length : length;
    if (this.messageBytes > this.limits.maxMessageBytes) return this.trip('message-too-big', this.messageBytes);
    if (fin) this.messageBytes = 0;
  }

  private trip(kind: FrameViolation, bytes: number): void {
    this.tripped = true;
    this.onViolation(kind, bytes);
  }
}
